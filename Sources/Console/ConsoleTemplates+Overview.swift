/// The overview and the emergency stop's confirmation.
extension ConsoleTemplates {
    static var overviewPages: [(name: String, text: String)] {
        [("overview", overview), ("confirm-stop", confirmStop)]
    }

    static let overview = """
        {{> head}}<h1>Overview</h1>
        <p id="live-notice" role="status"></p>
        <section aria-labelledby="mode-heading">
        <h2 id="mode-heading">Mode</h2>
        <p class="mode mode-{{mode}}" id="mode">{{mode}}</p>
        {{#manual}}<p>Since {{since}}, stopped by {{by}}: {{reason}}</p>
        <p><a href="/resume" id="resume-link">Resume</a> (needs the operators' SSH signatures).</p>{{/manual}}
        {{^manual}}<form method="post" action="/estop">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="estop" id="estop">Emergency stop</button>
        </form>{{/manual}}
        </section>
        <section aria-labelledby="now-heading">
        <h2 id="now-heading">Now</h2>
        <ul class="counts">
        <li><a href="/calls">Calls waiting for a confirmation</a>: <strong id="live-pending">{{pendingCount}}</strong></li>
        <li><a href="/agents">Agents running</a>: <strong id="live-agents">{{runningCount}}</strong></li>
        <li><a href="/agents">Grants in force</a>: <strong id="live-grants">{{grantCount}}</strong></li>
        <li><a href="/reviews">Items to review</a>: <strong id="review-count">{{reviewCount}}</strong></li>
        </ul>
        {{#analysis}}<p id="analysis">AI analysis: model {{model}} ({{state}}), last score {{score}}, \
        escalation {{escalation}}.</p>{{/analysis}}
        </section>
        <section aria-labelledby="alerts-heading">
        <h2 id="alerts-heading">Recent alerts</h2>
        <ul id="alerts" aria-live="polite">
        {{#alerts}}<li class="alert risk-{{risk}}">{{time}} {{risk}} {{action}} {{target}}\
        {{#agent}} ({{agent}}){{/agent}}</li>
        {{/alerts}}</ul>
        {{^alerts}}<p id="no-alerts">No alert since the daemon started reading.</p>{{/alerts}}
        </section>
        <section aria-labelledby="health-heading">
        <h2 id="health-heading">Ledger and certificates</h2>
        <p>Ledger: <strong id="ledger-entries">{{ledgerEntries}}</strong> entries\
        {{#newestCheckpoint}}, newest checkpoint written {{newestCheckpoint}}{{/newestCheckpoint}}.</p>
        {{#hasCertificates}}<table><thead><tr><th scope="col">certificate</th><th scope="col">subject</th>\
        <th scope="col">expires</th><th scope="col">days left</th></tr></thead><tbody>
        {{#certificates}}<tr{{#soon}} class="soon"{{/soon}}><td>{{label}}</td><td>{{subject}}</td><td>{{expires}}</td>\
        <td>{{days}}</td></tr>
        {{/certificates}}</tbody></table>{{/hasCertificates}}
        </section>
        <section aria-labelledby="agents-heading">
        <h2 id="agents-heading">Agents</h2>
        {{#hasAgents}}<table><thead><tr><th scope="col">agent</th><th scope="col">state</th>\
        <th scope="col">pid</th><th scope="col">command</th></tr></thead><tbody>
        {{#agents}}<tr><td>{{agent}}</td><td>{{state}}</td><td>{{pid}}</td><td><code>{{command}}</code></td></tr>
        {{/agents}}</tbody></table>{{/hasAgents}}
        {{^hasAgents}}<p>No agents (this daemon spawns none, or none run).</p>{{/hasAgents}}
        </section>
        <section aria-labelledby="grants-heading">
        <h2 id="grants-heading">Active grants</h2>
        {{#hasGrants}}<table><thead><tr><th scope="col">grant</th><th scope="col">agent</th>\
        <th scope="col">capability</th><th scope="col">expires</th><th scope="col">by</th><th scope="col">reason</th>\
        </tr></thead><tbody>
        {{#grants}}<tr><td>{{id}}</td><td>{{agent}}</td><td><code>{{capability}}</code></td><td>{{expires}}</td>\
        <td>{{by}}</td><td>{{reason}}</td></tr>
        {{/grants}}</tbody></table>{{/hasGrants}}
        {{^hasGrants}}<p>None.</p>{{/hasGrants}}
        </section>
        {{> foot}}
        """

    static let confirmStop = """
        {{> head}}<h1>Stop everything?</h1>
        <p>Every agent is frozen, every grant suspended, pending calls denied and running tasks killed. Only \
        operators' signatures resume the system.</p>
        <form method="post" action="/estop">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="confirm" value="yes">
        <label for="reason">Reason (recorded in the ledger)</label>
        <input type="text" id="reason" name="reason" maxlength="1024" value="emergency stop from the console">
        <button type="submit" class="estop" id="estop-confirm">Stop everything now</button>
        </form>
        <p><a href="/">Cancel</a></p>
        {{> foot}}
        """
}
