import Capabilities
import Foundation

/// Runs the authorization benchmark contract: a correctness pass, timed passes, a latency pass.
struct AuthzBenchmark {
    let workload: AuthzWorkload
    let repeats: Int

    struct Result {
        var mismatches = 0
        var rates: [Double] = []
        var p50: UInt64 = 0
        var p99: UInt64 = 0
    }

    /// The requests as parallel columns, so the timed loops pass each field to the engine without copying it. The
    /// resources are copied afresh in request order, so they lie together in memory as requests arriving one
    /// after another would, instead of scattered among the parsed JSON tree.
    struct Columns {
        let agents: [AgentName]
        let namespaces: [String]
        let actions: [String]
        let resources: [String]
        let times: [Timestamp]

        init(_ requests: [AuthzWorkload.Request]) {
            agents = requests.map(\.agent)
            namespaces = requests.map(\.namespace)
            actions = requests.map(\.action)
            resources = requests.map { request in
                var source = request.resource
                return source.withUTF8 { bytes in
                    String(unsafeUninitializedCapacity: bytes.count) { $0.initialize(from: bytes).1 }
                }
            }
            times = requests.map(\.now)
        }

        /// One decision exactly as a caller makes it: validate the request's fields, then check them. An invalid
        /// request (a NUL byte, an empty field) is refused, so it counts as "not allowed".
        @inline(__always)
        func decide(_ set: CapabilitySet, _ index: Int) -> Bool {
            let decision = try? set.check(
                agent: agents[index], namespace: namespaces[index], action: actions[index],
                resource: resources[index], at: times[index])
            return decision?.isAllowed ?? false
        }
    }

    func run(reportMismatch: (Int, AuthzWorkload.Request, Bool) -> Void) -> Result {
        let set = workload.authority.capabilitySet()
        let requests = workload.requests
        let columns = Columns(requests)
        var result = Result()
        for index in requests.indices {
            let got = columns.decide(set, index)
            if got != requests[index].expected {
                result.mismatches += 1
                if result.mismatches <= 10 { reportMismatch(index, requests[index], got) }
            }
        }
        for _ in 0..<repeats {
            var allowed = 0
            let start = monotonicNanoseconds()
            for index in requests.indices where columns.decide(set, index) { allowed += 1 }
            let elapsed = monotonicNanoseconds() - start
            blackHole(allowed)
            result.rates.append(Double(requests.count) / (Double(elapsed) / 1e9))
        }
        var latencies = [UInt64](repeating: 0, count: requests.count)
        for index in requests.indices {
            let start = monotonicNanoseconds()
            let allowed = columns.decide(set, index)
            latencies[index] = monotonicNanoseconds() - start
            blackHole(allowed)
        }
        latencies.sort()
        if !latencies.isEmpty {
            result.p50 = latencies[latencies.count / 2]
            result.p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        }
        return result
    }
}

func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Keeps the optimiser from discarding a computed value.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
