/// The confirmations page: each waiting call with its exact arguments and an approve and a deny form.
extension ConsoleTemplates {
    static var callPages: [(name: String, text: String)] { [("calls", calls)] }

    static let calls = """
        {{> head}}<h1>Confirmations</h1>
        <p>High-risk calls wait here for the orchestrator or an operator. Approving lets the Gate decide the call once \
        more (a call no longer allowed is still denied); the answer is recorded with your name.</p>
        <div id="calls" aria-live="polite">
        {{#hasCalls}}{{#calls}}<article class="call" id="call-{{id}}" aria-labelledby="call-{{id}}-title">
        <h2 id="call-{{id}}-title"><code>{{tool}}</code> by {{agent}} <span class="risk risk-{{risk}}">{{risk}}</span>\
        </h2>
        <dl>
        <dt>capability</dt><dd><code>{{capability}}</code></dd>
        <dt>why it waits</dt><dd>{{explanation}}</dd>
        <dt>the agent's reason</dt><dd>{{reason}}</dd>
        <dt>requested</dt><dd>{{requested}}</dd>
        <dt>denied unless answered by</dt><dd>{{expires}}</dd>
        </dl>
        <table><caption>Arguments</caption><thead><tr><th scope="col">name</th><th scope="col">value</th></tr></thead>
        <tbody>{{#arguments}}<tr><td>{{name}}</td><td><code>{{value}}</code></td></tr>{{/arguments}}</tbody></table>
        {{#hasReport}}<details class="report"><summary>Provenance report: what would be installed, from where, \
        signed by whom, and its findings</summary><pre>{{report}}</pre></details>{{/hasReport}}
        <div class="answers">
        <form method="post" action="/calls/answer">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}">
        <input type="hidden" name="answer" value="approve">
        <button type="submit" id="approve-{{id}}">Approve</button>
        </form>
        <form method="post" action="/calls/answer">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}">
        <input type="hidden" name="answer" value="deny">
        <label for="reason-{{id}}">Reason to deny</label>
        <input type="text" id="reason-{{id}}" name="reason" maxlength="1024">
        <button type="submit" id="deny-{{id}}">Deny</button>
        </form>
        </div>
        </article>
        {{/calls}}{{/hasCalls}}
        {{^hasCalls}}<p id="no-calls">No call is waiting.</p>{{/hasCalls}}
        </div>
        {{> foot}}
        """
}
