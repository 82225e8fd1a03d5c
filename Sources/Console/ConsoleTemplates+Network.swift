/// The network page: the firewall's rules (who added each and why), its blocks with an unblock button, the
/// ledger's firewall changes and the IDS's alerts with their evidence.
extension ConsoleTemplates {
    static var networkPages: [(name: String, text: String)] { [("network", network)] }

    static let network = """
        {{> head}}<h1>Network</h1>
        {{#noFirewall}}<p class="problem" role="status" id="no-firewall">No firewall: {{noFirewall}}. Rules and \
        blocks are managed only by a daemon started with <code>--firewall</code>; the ledger's firewall changes \
        and IDS alerts are still shown below.</p>{{/noFirewall}}
        {{#firewall}}<section aria-labelledby="rules-heading">
        <h2 id="rules-heading">Firewall rules</h2>
        {{#hasRules}}<table id="rules"><thead><tr><th scope="col">rule</th><th scope="col">meaning</th>\
        <th scope="col">added by</th><th scope="col">why</th></tr></thead><tbody>
        {{#rules}}<tr><td>{{id}}</td><td><code>{{summary}}</code></td><td>{{author}}</td><td>{{reason}}</td></tr>
        {{/rules}}</tbody></table>{{/hasRules}}
        {{^hasRules}}<p>No rules beyond the policy's.</p>{{/hasRules}}
        </section>
        <section aria-labelledby="blocks-heading">
        <h2 id="blocks-heading">Blocked addresses</h2>
        {{#hasBlocked}}<table id="blocks"><thead><tr><th scope="col">address</th><th scope="col">why</th>\
        <th scope="col">lifted in</th><th scope="col">unblock</th></tr></thead><tbody>
        {{#blocked}}<tr><td>{{address}}</td><td>{{reason}}</td><td>{{remaining}}</td><td>\
        <form method="post" action="/network/unblock"><input type="hidden" name="csrf" value="{{csrf}}">\
        <input type="hidden" name="address" value="{{address}}">\
        <label for="reason-{{address}}">Reason</label> \
        <input type="text" id="reason-{{address}}" name="reason" maxlength="1024" value="unblocked from the console">\
        <button type="submit" aria-label="Unblock {{address}}">Unblock</button></form></td></tr>
        {{/blocked}}</tbody></table>{{/hasBlocked}}
        {{^hasBlocked}}<p>No address is blocked.</p>{{/hasBlocked}}
        </section>{{/firewall}}
        <section aria-labelledby="changes-heading">
        <h2 id="changes-heading">Firewall changes (ledger)</h2>
        {{#hasChanges}}<table id="changes"><thead><tr><th scope="col">time</th><th scope="col">by</th>\
        <th scope="col">change</th><th scope="col">target</th><th scope="col">why</th></tr></thead><tbody>
        {{#changes}}<tr><td><a href="/audit/entry/{{id}}">{{time}}</a></td><td>{{by}}</td><td>{{action}}</td>\
        <td>{{target}}{{#rule}}: <code>{{rule}}</code>{{/rule}}</td><td>{{reason}}</td></tr>
        {{/changes}}</tbody></table>{{/hasChanges}}
        {{^hasChanges}}<p>None recorded.</p>{{/hasChanges}}
        </section>
        <section aria-labelledby="alerts-heading">
        <h2 id="alerts-heading">IDS alerts</h2>
        {{#hasAlerts}}<table id="alerts"><thead><tr><th scope="col">time</th><th scope="col">rule</th>\
        <th scope="col">source</th><th scope="col">response</th><th scope="col">evidence</th></tr></thead><tbody>
        {{#alerts}}<tr><td><a href="/audit/entry/{{id}}">{{time}}</a></td><td>{{rule}}</td><td>{{source}}</td>\
        <td>{{response}}</td><td>{{summary}}<ul>{{#evidence}}<li><code>{{line}}</code></li>{{/evidence}}</ul></td></tr>
        {{/alerts}}</tbody></table>{{/hasAlerts}}
        {{^hasAlerts}}<p>No alerts.</p>{{/hasAlerts}}
        </section>
        {{> foot}}
        """
}
