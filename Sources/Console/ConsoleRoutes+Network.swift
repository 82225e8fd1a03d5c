import AIOSProto
import Daemon
import GRPCCore
import Hummingbird

extension ConsoleRoutes {
    struct UnblockForm: Decodable {
        let address: String?
        let reason: String?
    }

    /// The network page (firewall rules, blocks, IDS alerts) and its unblock button.
    func addNetworkRoutes(to router: Router<ConsoleContext>) {
        router.get("/network") { _, context in try await networkPage(context) }
        router.post("/network/unblock") { request, context in try await unblock(request, context: context) }
    }

    func networkPage(_ context: ConsoleContext) async throws -> Response {
        guard let session = context.session else {
            return loginPage(token: nil, context: context, status: .unauthorized)
        }
        do {
            let values = try await NetworkData(service: backend.service, ledgerDirectory: backend.core.ledgerDirectory)
                .values(caller: try Self.caller(session))
            return html(pages.render("network", title: "Network", session: session, values))
        } catch let error as RPCError {
            return refusedPage(error, session: session)
        }
    }

    /// Lifts a block through the gRPC `ChangeFirewall` handler's own path (operation `unblock`), as the operator:
    /// the handler checks and the firewall controller records it, with the reason given here.
    func unblock(_ request: Request, context: ConsoleContext) async throws -> Response {
        let body = try await Self.body(of: request)
        guard let session = try await checkedSession(request, body: body, context: context, action: "firewall.unblock")
        else { return loginPage(token: nil, context: context, status: .unauthorized) }
        let form = try Self.decode(UnblockForm.self, from: body)
        var change = Aios_Security_V1_ChangeFirewallRequest()
        change.operation = "unblock"
        change.address = form.address ?? ""
        change.reason = form.reason ?? ""
        do {
            _ = try await backend.service.changeFirewall(caller: try Self.caller(session), request: change)
        } catch let error as RPCError {
            return refusedPage(error, session: session)
        }
        return Self.redirect(to: "/network")
    }
}
