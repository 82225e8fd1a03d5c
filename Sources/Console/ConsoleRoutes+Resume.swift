import Daemon
import Emergency
import Hummingbird

extension ConsoleRoutes {
    struct ResumeForm: Decodable {
        let challenge: String?
        let signature1: String?
        let signature2: String?
        let agents: String?
    }

    /// Resuming from the console is re-authorised the way the command line's is: a fresh challenge the operators
    /// sign with their SSH keys (`ssh-keygen -Y sign`); the session alone resumes nothing.
    func addResumeRoutes(to router: Router<ConsoleContext>) {
        router.get("/resume") { _, context in
            page(context, "resume", title: "Resume") { _ in ResumeData.values(backend.core) }
        }
        router.post("/resume/challenge") { request, context in
            try await action(request, context: context, name: "resume_challenge", form: CSRFForm.self) { session, _ in
                let challenge = try await backend.service.resumeChallenge(caller: try Self.caller(session))
                var values = ResumeData.values(backend.core)
                values["challenge"] = challenge.text
                values["namespace"] = ResumeChallenge.namespace
                values["expires"] = challenge.expiresAt
                values["second"] = backend.core.policy.emergency.resumeQuorum > 1
                return html(pages.render("resume-sign", title: "Sign to resume", session: session, values))
            }
        }
        router.post("/resume") { request, context in
            try await action(request, context: context, name: "resume", form: ResumeForm.self) { session, form in
                // Browsers send a textarea's (and a multi-line field's) line ends as CRLF; what was signed has LF.
                let signatures = [form.signature1, form.signature2].compactMap { $0.map(Self.lineFeeds) }
                    .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
                _ = try await backend.service.resume(
                    caller: try Self.caller(session), challenge: Self.lineFeeds(form.challenge ?? ""),
                    signatures: signatures, agents: form.agents ?? "thaw")
                return Self.redirect(to: "/")
            }
        }
    }

    static func lineFeeds(_ text: String) -> String { text.replacingOccurrences(of: "\r\n", with: "\n") }
}

/// The stop a resume would end.
enum ResumeData {
    static func values(_ core: DaemonCore) -> [String: Any] {
        var values: [String: Any] = ["mode": core.emergency.modeName]
        if let record = core.emergency.record {
            values["manual"] = ["since": record.since, "by": record.by, "reason": record.reason]
        }
        values["quorum"] = core.policy.emergency.resumeQuorum
        return values
    }
}
