import Daemon
import GRPCCore
import Hummingbird
import PKI

extension ConsoleRoutes {
    struct StopForm: Decodable {
        let confirm: String?
        let reason: String?
    }

    /// The emergency stop button: the first click shows what a stop does and asks again; the second calls the
    /// same handler as the gRPC `EmergencyStop`, as the logged-in operator.
    func emergencyStop(_ request: Request, context: ConsoleContext) async throws -> Response {
        try await action(request, context: context, name: "emergency_stop", form: StopForm.self) { session, form in
            guard form.confirm == "yes" else {
                return html(pages.render("confirm-stop", title: "Stop everything?", session: session))
            }
            _ = try await backend.service.emergencyStop(
                caller: try Self.caller(session), reason: form.reason ?? "emergency stop from the console")
            return Self.redirect(to: "/")
        }
    }

    /// The operator as the gRPC handlers know callers: the identity an operator's certificate would carry; the
    /// serial names the console session (no certificate was presented).
    static func caller(_ session: ConsoleSessions.Session) throws -> Caller {
        do {
            return Caller(identity: try SPIFFEID(kind: .operator, name: session.operator), serial: session.id)
        } catch {
            throw ConsoleRefusal.forbidden("'\(session.operator)' cannot be an operator identity")
        }
    }
}
