/// The audit pages: search, one entry with its proof, a verification, all values escaped (`{{…}}`).
extension ConsoleTemplates {
    static var auditPages: [(name: String, text: String)] {
        [("audit", audit), ("audit-entry", auditEntry), ("audit-verify", auditVerify)]
    }

    static let audit = """
        {{> head}}<h1>Audit ledger</h1>
        {{#problem}}<p class="problem" role="alert" id="search-problem">{{problem}}</p>{{/problem}}
        <form method="get" action="/audit" class="search" aria-label="Search the ledger">
        <label for="since">From</label><input type="text" id="since" name="since" value="{{since}}" \
        placeholder="2026-12-01 or 1h" maxlength="64">
        <label for="until">To</label><input type="text" id="until" name="until" value="{{until}}" maxlength="64">
        <label for="agent">Agent</label><input type="text" id="agent" name="agent" value="{{agent}}" maxlength="256">
        <label for="type">Type</label><input type="text" id="type" name="type" value="{{type}}" \
        placeholder="tool_call" maxlength="64">
        <label for="action">Action</label><input type="text" id="action" name="action" value="{{action}}" \
        maxlength="256">
        <label for="target">Target starts with</label><input type="text" id="target" name="target" \
        value="{{target}}" maxlength="1024">
        <label for="result">Result</label><input type="text" id="result" name="result" value="{{result}}" \
        placeholder="denied" maxlength="64">
        <label for="risk">Risk</label><input type="text" id="risk" name="risk" value="{{risk}}" \
        placeholder="high" maxlength="64">
        <button type="submit" id="search">Search</button>
        </form>
        <p class="hint">Times: RFC 3339 UTC, a day (YYYY-MM-DD), or a duration back from now (15m, 1h30m). \
        Types: tool_call, capability_grant, authentication, policy_change, security_alert, emergency, … \
        Results: success, failure, denied, error, pending. Risks: low, medium, high, critical.</p>
        {{^problem}}<section aria-labelledby="results-heading">
        <h2 id="results-heading">Entries, newest first</h2>
        {{#hasEntries}}<table id="results"><thead><tr><th scope="col">time</th><th scope="col">type</th>\
        <th scope="col">agent</th><th scope="col">action</th><th scope="col">target</th><th scope="col">result</th>\
        <th scope="col">risk</th></tr></thead><tbody>
        {{#entries}}<tr><td><a href="/audit/entry/{{id}}">{{time}}</a></td><td>{{type}}</td><td>{{agent}}</td>\
        <td>{{action}}</td><td>{{target}}</td><td>{{result}}</td><td>{{risk}}</td></tr>
        {{/entries}}</tbody></table>{{/hasEntries}}
        {{^hasEntries}}<p>No matching entries{{#next}} among the {{examined}} looked at{{/next}}.</p>{{/hasEntries}}
        {{#next}}<p>{{#short}}Looked at {{examined}} entries without filling the page. {{/short}}\
        <a href="{{href}}" id="older">Older entries</a></p>{{/next}}
        <form method="post" action="/audit/export">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#exportQuery}}<input type="hidden" name="{{name}}" value="{{value}}">
        {{/exportQuery}}<button type="submit" id="export">Export this search (JSON lines)</button>
        </form>
        </section>{{/problem}}
        <section aria-labelledby="verify-heading">
        <h2 id="verify-heading">Verify the ledger</h2>
        <p>Checks every entry, the hash chain, the Merkle trees and every signed checkpoint, as \
        <code>aios-sec audit verify</code> does.</p>
        <form method="post" action="/audit/verify">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" id="verify">Verify now</button>
        </form>
        </section>
        {{> foot}}
        """

    static let auditEntry = """
        {{> head}}<h1>Entry <code id="entry-id">{{id}}</code></h1>
        <table id="entry-fields"><tbody>
        {{#fields}}<tr><th scope="row">{{name}}</th><td><code>{{value}}</code></td></tr>
        {{/fields}}</tbody></table>
        <h2>Hash chain</h2>
        <table id="entry-chain"><tbody>
        <tr><th scope="row">day file</th><td>{{day}}</td></tr>
        <tr><th scope="row">sequence</th><td>{{seq}}</td></tr>
        <tr><th scope="row">previous hash</th><td><code>{{previousHash}}</code></td></tr>
        <tr><th scope="row">entry hash</th><td><code>{{entryHash}}</code></td></tr>
        <tr><th scope="row">Merkle leaf hash</th><td><code>{{leafHash}}</code></td></tr>
        </tbody></table>
        <h2>Inclusion proof</h2>
        {{#proof}}{{#valid}}<p class="ok" role="status" id="proof-result">Valid: the entry is leaf {{index}} of \
        the tree of {{size}} entries whose root <code>{{root}}</code> the checkpoint of <code>{{origin}}</code> \
        signs.</p>{{/valid}}
        {{#invalid}}<p class="problem" role="alert" id="proof-result">Not valid: {{problem}}</p>{{/invalid}}
        <table id="proof-path"><thead><tr><th scope="col">step</th><th scope="col">audit path hash</th></tr></thead>
        <tbody>{{#path}}<tr><td>{{step}}</td><td><code>{{hash}}</code></td></tr>{{/path}}</tbody></table>
        <h3>Signed checkpoint</h3>
        <pre>{{checkpoint}}</pre>
        <h3>The proof, for <code>aios-sec audit verify-proof</code></h3>
        <pre class="wrap">{{proofJSON}}</pre>{{/proof}}
        {{^proof}}<p><a href="/audit/entry/{{id}}/proof" id="check-proof">Check this entry's inclusion proof</a> \
        against the newest signed checkpoint that covers it.</p>{{/proof}}
        <h2>As stored</h2>
        <pre class="wrap" id="entry-json">{{json}}</pre>
        <p><a href="/audit">Back to the search</a></p>
        {{> foot}}
        """

    static let auditVerify = """
        {{> head}}<h1>Ledger verification</h1>
        <p>Started by operator {{by}}.</p>
        {{#running}}<div id="verify-progress" data-status="/audit/verify/{{id}}/status" role="status">
        <label for="verify-bar">Entries checked</label>
        <progress id="verify-bar" value="{{checked}}" max="{{total}}"></progress>
        <p><span id="verify-checked">{{checked}}</span> of <span id="verify-total">{{total}}</span> entries \
        checked.</p>
        </div>
        <p><a href="/audit/verify/{{id}}">Reload</a> to see how far it got.</p>
        <script src="/static/audit-verify.js"></script>{{/running}}
        {{#report}}{{#intact}}<p class="ok" role="status" id="verify-result">Intact. Entries: {{entries}}; \
        day files: {{days}}; signed checkpoints: {{checkpoints}}.</p>{{/intact}}
        {{^intact}}<p class="problem" role="alert" id="verify-result">Not intact: {{problem}}</p>{{/intact}}
        <p>Entries newer than their day's newest checkpoint (covered by the hash chain only; checkpoints follow \
        within a second): {{uncovered}}.</p>{{/report}}
        {{#error}}<p class="problem" role="alert" id="verify-result">Could not verify: {{error}}</p>{{/error}}
        {{#unrecorded}}<p class="problem">This outcome could not be recorded in the ledger: {{unrecorded}}</p>\
        {{/unrecorded}}
        <p><a href="/audit">Back to the audit ledger</a></p>
        {{> foot}}
        """
}
