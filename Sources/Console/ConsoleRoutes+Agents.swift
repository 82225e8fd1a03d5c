import Hummingbird

extension ConsoleRoutes {
    struct StopAgentForm: Decodable {
        let agent: String
        let reason: String?
        let confirm: String?
    }

    struct RevokeForm: Decodable {
        let grant: String
        let reason: String?
        let confirm: String?
    }

    func addAgentRoutes(to router: Router<ConsoleContext>) {
        router.get("/agents") { _, context in
            page(context, "agents", title: "Agents and grants") { _ in
                AgentsData(core: backend.core, workers: backend.workers).values(now: backend.now)
            }
        }
        router.post("/agents/stop") { request, context in
            try await action(request, context: context, name: "agent.stop", form: StopAgentForm.self) { session, form in
                // The row's button asks first, with a reason for the ledger; the second click stops.
                guard form.confirm == "yes" else {
                    return html(
                        pages.render(
                            "confirm-stop-agent", title: "Stop \(form.agent)?", session: session,
                            ["agent": form.agent]))
                }
                _ = try await backend.service.stopAgent(
                    caller: try Self.caller(session), agent: form.agent, reason: Self.reason(form.reason, "stopped"))
                return Self.redirect(to: "/agents")
            }
        }
        router.post("/grants/revoke") { request, context in
            try await action(request, context: context, name: "revoke", form: RevokeForm.self) { session, form in
                guard form.confirm == "yes" else {
                    return html(
                        pages.render(
                            "confirm-revoke", title: "Revoke \(form.grant)?", session: session,
                            ["grant": form.grant]))
                }
                _ = try await backend.service.revoke(
                    caller: try Self.caller(session), grantID: form.grant, reason: Self.reason(form.reason, "revoked")
                )
                return Self.redirect(to: "/agents")
            }
        }
    }

    /// The operator's reason, or `fallback` with where it was done when they gave none.
    static func reason(_ given: String?, _ fallback: String) -> String {
        guard let given, !given.trimmingCharacters(in: .whitespaces).isEmpty else {
            return "\(fallback) in the console"
        }
        return given
    }
}
