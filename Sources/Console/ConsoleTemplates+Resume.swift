/// Resuming from manual mode: ask for a challenge, sign it with `ssh-keygen`, paste the signatures.
extension ConsoleTemplates {
    static var resumePages: [(name: String, text: String)] { [("resume", resume), ("resume-sign", resumeSign)] }

    static let resume = """
        {{> head}}<h1>Resume</h1>
        {{#manual}}<p>Stopped since {{since}} by {{by}}: {{reason}}</p>
        <p>Resuming needs {{quorum}} operator signature(s) over a fresh challenge, made with the SSH keys registered \
        in the policy. Your session alone resumes nothing.</p>
        <form method="post" action="/resume/challenge">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" id="get-challenge">Get a challenge to sign</button>
        </form>{{/manual}}
        {{^manual}}<p id="nothing-to-resume">The system runs autonomously: there is nothing to resume.</p>{{/manual}}
        {{> foot}}
        """

    static let resumeSign = """
        {{> head}}<h1>Sign to resume</h1>
        <p>Valid until {{expires}}. On a machine that holds an operator's SSH key, save the challenge exactly and \
        sign it:</p>
        <pre id="sign-commands">cat &gt; challenge.txt &lt;&lt;'EOF'
        {{challenge}}EOF
        ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n {{namespace}} challenge.txt   # writes challenge.txt.sig</pre>
        <form method="post" action="/resume">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="challenge" value="{{challenge}}">
        <label for="signature1">Signature (the whole of challenge.txt.sig)</label>
        <textarea id="signature1" name="signature1" rows="8" cols="72" spellcheck="false"></textarea>
        {{#second}}<label for="signature2">A second operator's signature</label>
        <textarea id="signature2" name="signature2" rows="8" cols="72" spellcheck="false"></textarea>{{/second}}
        <fieldset><legend>The frozen agents</legend>
        <input type="radio" id="agents-thaw" name="agents" value="thaw" checked>
        <label for="agents-thaw">thaw them (they go on where they stopped)</label>
        <input type="radio" id="agents-stop" name="agents" value="stop">
        <label for="agents-stop">stop them</label>
        </fieldset>
        <button type="submit" id="resume">Resume</button>
        </form>
        {{> foot}}
        """
}
