/// The pages' Mustache templates, compiled into the binary (an installed daemon has no resource directory).
/// `{{name}}` escapes HTML; nothing here uses the unescaped `{{{…}}}`: every value shown may come from an agent.
/// Each area of the console keeps its pages in its own extension (`ConsoleTemplates+Overview.swift`, …).
enum ConsoleTemplates {
    /// Every template by the name pages render it under.
    static var all: [(name: String, text: String)] {
        [("head", head), ("foot", foot), ("login", login), ("refused", refused)] + overviewPages + callPages
            + agentPages + resumePages + auditPages + networkPages + reviewPages
    }

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · aiOS Security</title>
        <link rel="stylesheet" href="/static/console.css">
        {{#session}}<script src="/static/console.js" defer></script>{{/session}}
        </head>
        <body>
        <header><span class="brand">aiOS Security</span>{{#session}}<span class="who">operator \
        {{operator}}</span><form method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrfToken}}">\
        <button type="submit">Log out</button></form>{{/session}}</header>
        {{#session}}<nav aria-label="Console sections"><a href="/">Overview</a> <a href="/calls">Confirmations</a> \
        <a href="/agents">Agents and grants</a> <a href="/resume">Resume</a> <a href="/audit">Audit</a> \
        <a href="/network">Network</a> <a href="/reviews">Review</a></nav>{{/session}}
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
        {{#certificate}}<form method="post" action="/login/certificate">
        <p>Your browser presented the client certificate <code>{{identity}}</code> (serial {{serial}}).</p>
        <button type="submit" id="login-certificate">Log in with this certificate</button>
        </form>{{/certificate}}
        {{^token}}<p id="login-instructions">On the machine, as root, run</p>
        <pre>aios-sec console login --operator NAME</pre>
        <p>and open the link it prints. Each link works once, for five minutes. Or log in with an operator's \
        client certificate (<code>aios-sec console certificate</code>) imported into this browser.</p>{{/token}}
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
        nav { display: flex; gap: 1.5em; padding: .5em 1em; background: #e8ecf1; }
        nav a { color: #0b3a75; }
        main { padding: 1em; max-width: 70em; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid #999; padding: .25em .5em; text-align: left; vertical-align: top; }
        .mode { font-size: 1.5em; font-weight: bold; }
        .mode-manual { color: #9b0000; }
        .mode-autonomous { color: #005a00; }
        .problem { color: #9b0000; font-weight: bold; }
        button { font-size: 1em; padding: .4em 1em; }
        button:focus, a:focus, input:focus { outline: 3px solid #0050b3; outline-offset: 2px; }
        .soon td { color: #9b0000; font-weight: bold; }
        .counts { list-style: none; padding: 0; display: flex; gap: 2em; }
        .alert { font-family: monospace; }
        .risk-high, .risk-critical { color: #9b0000; font-weight: bold; }
        .call { border: 1px solid #999; padding: .5em 1em; margin: 1em 0; }
        .answers { display: flex; gap: 2em; align-items: end; margin-top: .5em; }
        dl { display: grid; grid-template-columns: max-content auto; gap: .25em 1em; }
        dt { font-weight: bold; }
        label { margin-right: .25em; }
        textarea { display: block; font-family: monospace; margin-bottom: 1em; }
        .ok { color: #005a00; font-weight: bold; }
        .hint { color: #333; font-size: .9em; }
        .wrap { white-space: pre-wrap; word-break: break-all; }
        form.search { display: grid; grid-template-columns: max-content 1fr; gap: .3em .8em; max-width: 40em; }
        form.search button { grid-column: 2; justify-self: start; }
        .estop { background: #b00000; color: #fff; border: 2px solid #600; font-size: 1.3em; font-weight: bold; }

        """
}
