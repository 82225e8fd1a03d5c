import ArgumentParser
import Capabilities
import Detection
import Foundation
import Policy
import Synchronization

/// Issue 14's flood figures: the IDS's work per kernel event as the number of distinct (spoofed) sources grows
/// from 1,000 to 1,000,000. Each source sends four SYNs to unexpected ports (one alert, three quiet hits); the
/// workload is repeated with a fresh IDS until at least `events` events were timed, so every row has the same mix.
/// Two settings: tracked sources raised to the number of sources (the tables really hold them all: the cost of a
/// big table), and the policy's default bound (what memory a flood can take). Returns a Markdown table.
func benchmarkIDSFlood(sourceCounts: [Int], events: Int) -> String {
    var rows: [String] = []
    for bounded in [false, true] {
        for sources in sourceCounts {
            var policy = IDSPolicy.defaults()
            policy.trackedSources = bounded ? IDSPolicy.defaultTrackedSources : max(sources, 1_024)
            let run = floodRun(policy: policy, sources: sources, minimumEvents: events)
            let capacity = bounded ? "default (\(IDSPolicy.defaultTrackedSources))" : "= sources"
            rows.append(
                "| \(sources) | \(capacity) | \(run.events) | \(String(format: "%.0f", run.nanosecondsPerEvent)) "
                    + "| \(run.trackedAtEnd) | \(run.ledgerEntries) | \(run.alerts) |")
        }
    }
    return """
        | distinct sources | tracked sources | events timed | ns/event | sources held at the end | ledger entries \
        (last run) | alerts (last run) |
        |---:|---|---:|---:|---:|---:|---:|
        """ + "\n" + rows.joined(separator: "\n") + "\n\nPeak RSS of the whole run: \(peakResidentMegabytes()) MB."
}

private struct FloodRun {
    var events = 0
    var nanosecondsPerEvent = 0.0
    var trackedAtEnd = 0
    var ledgerEntries = 0
    var alerts = 0
}

private func floodRun(policy: IDSPolicy, sources: Int, minimumEvents: Int) -> FloodRun {
    var run = FloodRun()
    var elapsed = Duration.zero
    let now = SystemClock().now()
    let target = IPAddress("192.0.2.1")!
    repeat {
        let entries = Mutex(0)
        let ids = NetworkIDS(
            policy: policy, blocker: NullBlocker(), audit: { _ in entries.withLock { $0 += 1 } }, clock: SystemClock())
        // Made as they are fed (a few ns each, the same in every row): 4 million kept at once would be 250 MB.
        let started = ContinuousClock.now
        for round in 0..<4 {
            for index in 0..<sources {
                ids.ingest(
                    ConnectionAttempt(
                        transport: .tcp, source: IPAddress(ipv4: 0x0A00_0000 | UInt32(index)), sourcePort: 40_000,
                        destination: target, destinationPort: UInt16(1_000 + round), time: now))
            }
        }
        elapsed += ContinuousClock.now - started
        run.events += 4 * sources
        run.trackedAtEnd = ids.trackedSources
        run.alerts = ids.statistics.alerts
        run.ledgerEntries = entries.withLock { $0 }
    } while run.events < minimumEvents
    run.nanosecondsPerEvent = Double(elapsed / .nanoseconds(1)) / Double(run.events)
    return run
}

private struct NullBlocker: Blocker {
    func block(_ source: IPAddress, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {}
}

private func peakResidentMegabytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss / 1024
}

/// `aios-sec bench ids-flood`.
struct IDSFloodBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ids-flood",
        abstract: "IDS work per event from 1,000 to 1,000,000 distinct (spoofed) sources; bounded memory.",
        discussion: "Prints a Markdown table for Benchmarks/RESULTS.md.")

    @Option(help: "Events timed per row, at least.") var events = 4_000_000

    func run() throws {
        print(benchmarkIDSFlood(sourceCounts: [1_000, 10_000, 100_000, 1_000_000], events: events))
    }
}
