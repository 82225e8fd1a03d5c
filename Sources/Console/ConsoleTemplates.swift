/// The pages' Mustache templates, compiled into the binary (an installed daemon has no resource directory).
/// `{{name}}` escapes HTML; nothing here uses the unescaped `{{{…}}}`: every value shown may come from an agent.
enum ConsoleTemplates {
    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · aiOS Security</title>
        <link rel="stylesheet" href="/static/console.css">
        </head>
        <body>
        <header><span class="brand">aiOS Security</span>{{#session}}<span class="who">operator \
        {{operator}}</span><form method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrfToken}}">\
        <button type="submit">Log out</button></form>{{/session}}</header>
        <main>

        """

    static let foot = """
        </main>
        </body>
        </html>

        """

    static let login = """
        {{> head}}<h1>Log in</h1>
        {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{#token}}<form method="post" action="/login">
        <input type="hidden" name="token" value="{{token}}">
        <p>This one-time link logs you in once, within five minutes of being made.</p>
        <button type="submit" id="login">Log in</button>
        </form>{{/token}}
        {{^token}}<p>On the machine, as root, run</p>
        <pre>aios-sec console login --operator NAME</pre>
        <p>and open the link it prints. Each link works once, for five minutes.</p>{{/token}}
        {{> foot}}
        """

    static let overview = """
        {{> head}}<h1>Overview</h1>
        <section aria-labelledby="mode-heading">
        <h2 id="mode-heading">Mode</h2>
        <p class="mode mode-{{mode}}" id="mode">{{mode}}</p>
        {{#manual}}<p>Since {{since}}, stopped by {{by}}: {{reason}}</p>
        <p>Resuming needs the operators' signatures: see <code>aios-sec resume</code>.</p>{{/manual}}
        {{^manual}}<form method="post" action="/estop">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="estop" id="estop">Emergency stop</button>
        </form>{{/manual}}
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
        <section aria-labelledby="pending-heading">
        <h2 id="pending-heading">Pending confirmations</h2>
        {{#hasPending}}<table><thead><tr><th scope="col">call</th><th scope="col">agent</th>\
        <th scope="col">tool</th><th scope="col">capability</th><th scope="col">risk</th><th scope="col">expires</th>\
        </tr></thead><tbody>
        {{#pending}}<tr><td>{{id}}</td><td>{{agent}}</td><td>{{tool}}</td><td><code>{{capability}}</code></td>\
        <td>{{risk}}</td><td>{{expires}}</td></tr>
        {{/pending}}</tbody></table>{{/hasPending}}
        {{^hasPending}}<p>None.</p>{{/hasPending}}
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

    static let refused = """
        {{> head}}<h1>Refused</h1>
        <p class="problem" role="alert">{{problem}}</p>
        <p><a href="/">Back to the overview</a></p>
        {{> foot}}
        """

    static let stylesheet = """
        body { font-family: system-ui, sans-serif; margin: 0; color: #111; background: #fff; }
        header { display: flex; gap: 1em; align-items: center; padding: .5em 1em; background: #1d2733; color: #fff; }
        header .brand { font-weight: bold; flex: 1; }
        header form { margin: 0; }
        main { padding: 1em; max-width: 70em; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid #999; padding: .25em .5em; text-align: left; }
        .mode { font-size: 1.5em; font-weight: bold; }
        .mode-manual { color: #9b0000; }
        .mode-autonomous { color: #005a00; }
        .problem { color: #9b0000; font-weight: bold; }
        button { font-size: 1em; padding: .4em 1em; }
        button:focus, a:focus, input:focus { outline: 3px solid #0050b3; outline-offset: 2px; }
        .estop { background: #b00000; color: #fff; border: 2px solid #600; font-size: 1.3em; font-weight: bold; }

        """
}
