import ArgumentParser
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks with the figures recorded in Benchmarks/RESULTS.md.",
        subcommands: [
            AuthzBenchCommand.self, AuditBenchCommand.self, SecretsBenchCommand.self, PKIBenchCommand.self,
            ServeBenchCommand.self, ServeClientBenchCommand.self, SandboxBenchCommand.self, FirewallBenchCommand.self,
            IDSBenchAlias.self,
            IDSFloodBenchCommand.self, DNSBenchCommand.self, HumanSessionBenchCommand.self,
            AuditStressCommand.self, EstopBenchCommand.self, FIMBenchCommand.self, ModelBenchCommand.self,
            EgressBenchCommand.self,
        ]
    )
}

/// The contract of the shared authz benchmark: `aios-sec bench authz WORKLOAD [--repeats N]`, one
/// `AUTHZ_RESULT {json}` line on stdout, mismatches on stderr, exit 0 iff there were none (2 for a bad workload).
struct AuthzBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authz",
        abstract: "Decide every request of an aios-authz-workload/1 file; print throughput and latency."
    )

    @Argument(help: "Workload file (aios-authz-workload/1).")
    var workload: String

    @Option(help: "Timed passes over all requests.")
    var repeats = 5

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    func run() throws {
        let loaded: AuthzWorkload
        do {
            loaded = try AuthzWorkload(contentsOf: workload)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        let result = AuthzBenchmark(workload: loaded, repeats: repeats).run { index, request, got in
            printError(
                "MISMATCH #\(index) [\(request.agent), \(request.namespace), \(request.action), "
                    + "\(request.resource), \(request.now.millisecondsSinceEpoch / 1000)] expected=\(request.expected) got=\(got)"
            )
        }
        let rates = result.rates
        let median = rates.sorted()[rates.count / 2]
        let line: [String: Any] = [
            "engine": "aios-swift", "mode": "single", "n": loaded.requests.count, "mismatches": result.mismatches,
            "decisions_per_s": median.rounded(), "decisions_per_s_all": rates.map { $0.rounded() },
            "p50_ns": result.p50, "p99_ns": result.p99, "repeats": repeats, "threads": 1, "build": buildKind,
        ]
        let json = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print("AUTHZ_RESULT " + String(decoding: json, as: UTF8.self))
        if result.mismatches != 0 { throw ExitStatus.denied }
    }
}

#if DEBUG
let buildKind = "debug"
#else
let buildKind = "release"
#endif
