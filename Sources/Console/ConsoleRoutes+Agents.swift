import Hummingbird

extension ConsoleRoutes {
    struct StopAgentForm: Decodable {
        let agent: String
        let reason: String?
    }

    struct RevokeForm: Decodable {
        let grant: String
        let reason: String?
    }

    func addAgentRoutes(to router: Router<ConsoleContext>) {
        router.get("/agents") { _, context in
            page(context, "agents", title: "Agents and grants") { _ in
                AgentsData(core: backend.core, workers: backend.workers).values(now: backend.now)
            }
        }
        router.post("/agents/stop") { request, context in
            try await action(request, context: context, name: "agent.stop", form: StopAgentForm.self) { session, form in
                _ = try await backend.service.stopAgent(
                    caller: try Self.caller(session), agent: form.agent, reason: Self.reason(form.reason, "stopped"))
                return Self.redirect(to: "/agents")
            }
        }
        router.post("/grants/revoke") { request, context in
            try await action(request, context: context, name: "revoke", form: RevokeForm.self) { session, form in
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
