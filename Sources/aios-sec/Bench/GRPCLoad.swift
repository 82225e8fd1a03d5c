import AIOSProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import PKI

/// Calls in a closed loop over mTLS: `streams` concurrent callers spread over `connections` HTTP/2 connections,
/// for `seconds`; every call's latency kept. What `bench serve` and its separate-process clients share.
struct GRPCLoad {
    typealias Client = Aios_Security_V1_SecurityService.Client<HTTP2ClientTransport.Posix>

    /// `HOST:PORT` or `unix:PATH`.
    let server: String
    let identity: WorkloadIdentity
    let streams: Int
    let connections: Int
    let seconds: Double

    func run(_ call: @escaping @Sendable (Client) async throws -> Void) async throws -> LoadRun {
        let endpoint = DaemonEndpoint(server: server, identity: identity.directory)
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let perConnection = max(1, streams / connections)
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<connections {
                group.addTask {
                    try await endpoint.withClient { client in
                        try await withThrowingTaskGroup(of: [Double].self) { streams in
                            for _ in 0..<perConnection {
                                streams.addTask {
                                    var local: [Double] = []
                                    while ContinuousClock.now < deadline {
                                        let start = ContinuousClock.now
                                        try await call(client)
                                        local.append(LoadRun.milliseconds(ContinuousClock.now - start))
                                    }
                                    return local
                                }
                            }
                            return try await streams.reduce(into: []) { $0 += $1 }
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return LoadRun(
            calls: latencies.count, seconds: LoadRun.milliseconds(ContinuousClock.now - started) / 1000,
            latencies: latencies, streams: perConnection * connections)
    }
}

/// One measurement: calls, wall time, latencies (ms).
struct LoadRun: Codable {
    let calls: Int
    let seconds: Double
    let latencies: [Double]
    let streams: Int

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    var callsPerSecond: Double { Double(calls) / seconds }

    func percentile(_ p: Double) -> Double {
        let sorted = latencies.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    func line(_ what: String) -> String {
        String(
            format: "SERVE_RESULT %@: %.0f calls/s, p50 %.2f ms, p99 %.2f ms (%d streams, %d calls)",
            what, callsPerSecond, percentile(0.5), percentile(0.99), streams, calls)
    }
}
