import AIOSProto
import ArgumentParser
import Emergency
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// For root on the machine: the daemon of a state directory, reached as its local operator identity
/// (`STATE/identities/operator-admin`) at the address it wrote into `STATE/daemon.json` at start.
struct LocalDaemonOptions: ParsableArguments {
    @OptionGroup var state: StateOptions
    @Option(help: "The daemon, HOST:PORT or unix:PATH (default: from STATE/daemon.json).") var server: String?
    @Option(help: "Identity directory to call as (default: STATE/identities/operator-admin).") var identity: String?
    @Option(help: "The agents' cgroup folder (default: from STATE/daemon.json, else aios).")
    var agentCgroupParent: String?

    var runtime: DaemonRuntime? { DaemonRuntime.read(stateDirectory: state.resolved) }
    var cgroupParent: String { agentCgroupParent ?? runtime?.agentCgroupParent ?? "aios" }
    var endpoint: DaemonEndpoint? {
        guard let address = server ?? runtime?.address else { return nil }
        return DaemonEndpoint(
            server: address, identity: identity ?? state.resolved + "/identities/operator-admin")
    }

    /// Calls the daemon, giving up after `timeout` (a hung daemon must not hang the caller).
    func call<T: Sendable>(
        timeout: Duration,
        _ body:
            @escaping @Sendable (Aios_Security_V1_SecurityService.Client<HTTP2ClientTransport.Posix>, CallOptions)
            async throws -> T
    ) async throws -> T {
        guard let endpoint else { throw DaemonUnreachable(reason: "no --server and no STATE/daemon.json") }
        if let problem = endpoint.problem { throw DaemonUnreachable(reason: problem) }
        var options = CallOptions.defaults
        options.timeout = timeout
        let fixed = options
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await endpoint.withClient { client in try await body(client, fixed) } }
            group.addTask {
                try await Task.sleep(for: timeout + .seconds(1))
                throw DaemonUnreachable(reason: "no answer within \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

struct DaemonUnreachable: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
