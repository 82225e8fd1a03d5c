import AIOSProto
import ArgumentParser
import Foundation
import PKI

/// `aios-sec bench serve-client`: the load of `bench serve` from a process of its own, against a daemon already
/// running; one JSON line (`SERVE_CLIENT {...}`) with calls/s and latency percentiles. `bench serve` starts it.
struct ServeClientBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-client", abstract: "Status or Authorize in a closed loop against a running daemon.",
        shouldDisplay: false)

    @Option(help: "The daemon: HOST:PORT or unix:PATH.") var server: String
    @Option(help: "Identity directory.") var identity: String
    @Option(help: "status or authorize (fs.read of /etc/hosts).") var rpc = "status"
    @Option(help: "Concurrent streams.") var streams = 64
    @Option(help: "HTTP/2 connections the streams are spread over.") var connections = 4
    @Option(help: "Seconds.") var seconds = 5.0

    func run() async throws {
        let load = GRPCLoad(
            server: server, identity: WorkloadIdentity(directory: identity), streams: streams,
            connections: connections, seconds: seconds)
        let result: LoadRun
        switch rpc {
        case "status":
            result = try await load.run { _ = try await $0.status(Aios_Security_V1_StatusRequest()) }
        case "authorize":
            var request = Aios_Security_V1_AuthorizeRequest()
            request.tool = "fs.read"
            request.arguments = ["path": "/etc/hosts"]
            result = try await load.run { [request] in
                guard try await $0.authorize(request).decision.allowed else { throw ExitStatus.software }
            }
        default:
            throw ValidationError("--rpc must be status or authorize")
        }
        print(
            String(
                format: #"SERVE_CLIENT {"calls_per_second": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, "calls": %d}"#,
                result.callsPerSecond, result.percentile(0.5), result.percentile(0.99), result.calls))
    }
}
