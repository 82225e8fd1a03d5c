/// The agents and grants page: stop an agent, revoke a grant, see who granted each and why.
extension ConsoleTemplates {
    static var agentPages: [(name: String, text: String)] {
        [("agents", agents), ("confirm-stop-agent", confirmStopAgent), ("confirm-revoke", confirmRevoke)]
    }

    static let agents = """
        {{> head}}<h1>Agents and grants</h1>
        <section aria-labelledby="agents-heading">
        <h2 id="agents-heading">Agents</h2>
        {{#hasAgents}}<table><thead><tr><th scope="col">agent</th><th scope="col">state</th><th scope="col">pid</th>\
        <th scope="col">restarts</th><th scope="col">command</th><th scope="col">action</th></tr></thead><tbody>
        {{#agents}}<tr id="agent-{{agent}}"><td>{{agent}}</td><td>{{state}}</td><td>{{pid}}</td><td>{{restarts}}</td>\
        <td><code>{{command}}</code></td><td>{{#running}}<form method="post" action="/agents/stop">\
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="agent" value="{{agent}}">\
        <button type="submit" id="stop-{{agent}}">Stop {{agent}}…</button></form>{{/running}}\
        {{^running}}{{lastReason}}{{/running}}</td></tr>
        {{/agents}}</tbody></table>{{/hasAgents}}
        {{^hasAgents}}<p>{{#spawns}}No agent runs.{{/spawns}}{{^spawns}}This daemon starts no agents (it needs \
        root and cgroups).{{/spawns}}</p>{{/hasAgents}}
        </section>
        <section aria-labelledby="grants-heading">
        <h2 id="grants-heading">Active grants</h2>
        {{#hasGrants}}<table><thead><tr><th scope="col">grant</th><th scope="col">agent</th>\
        <th scope="col">capability</th><th scope="col">granted by</th><th scope="col">why</th><th scope="col">task</th>\
        <th scope="col">granted</th><th scope="col">expires</th><th scope="col">action</th></tr></thead><tbody>
        {{#grants}}<tr id="grant-{{id}}"><td>{{id}}</td><td>{{agent}}</td><td><code>{{capability}}</code></td>\
        <td>{{by}}</td><td>{{reason}}</td><td>{{task}}</td><td>{{issued}}</td><td>{{expires}}</td><td>\
        <form method="post" action="/grants/revoke"><input type="hidden" name="csrf" value="{{csrf}}">\
        <input type="hidden" name="grant" value="{{id}}">\
        <button type="submit" id="revoke-{{id}}">Revoke…</button></form></td></tr>
        {{/grants}}</tbody></table>{{/hasGrants}}
        {{^hasGrants}}<p id="no-grants">No grant is in force.</p>{{/hasGrants}}
        </section>
        {{> foot}}
        """

    static let confirmStopAgent = """
        {{> head}}<h1>Stop {{agent}}?</h1>
        <p>The agent is killed with its whole cgroup and not started again until it is spawned anew.</p>
        <form method="post" action="/agents/stop">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="agent" value="{{agent}}">
        <input type="hidden" name="confirm" value="yes">
        <label for="reason">Reason (recorded in the ledger)</label>
        <input type="text" id="reason" name="reason" maxlength="1024">
        <button type="submit" id="stop-confirm">Stop {{agent}} now</button>
        </form>
        <p><a href="/agents">Cancel</a></p>
        {{> foot}}
        """

    static let confirmRevoke = """
        {{> head}}<h1>Revoke {{grant}}?</h1>
        <p>The grant stops matching at once: the agent's next call that needs it is denied.</p>
        <form method="post" action="/grants/revoke">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="grant" value="{{grant}}">
        <input type="hidden" name="confirm" value="yes">
        <label for="reason">Reason (recorded in the ledger)</label>
        <input type="text" id="reason" name="reason" maxlength="1024">
        <button type="submit" id="revoke-confirm">Revoke now</button>
        </form>
        <p><a href="/agents">Cancel</a></p>
        {{> foot}}
        """
}
