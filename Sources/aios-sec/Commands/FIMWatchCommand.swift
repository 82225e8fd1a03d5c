import ArgumentParser
import Audit
import Detection
import Foundation

/// `fim watch`: the real-time watch in the foreground, printing what `serve --fim` would record. It records
/// nothing itself (the ledger is the daemon's): run the daemon with `--fim` for the audited watch.
struct FIMWatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch the baseline's paths in real time (fanotify, inotify where it cannot) and print changes.",
        discussion: """
            A full check runs first, then every change is re-read and compared with the baseline within a moment. \
            Unauthorized changes print as an alert line (fim.privileged_file, fim.privilege_escalation or \
            fim.unauthorized_change) and a file_modification line; with --all, every other observation too. \
            Runs until SIGINT or SIGTERM. The Broker's changes are known only to the daemon: use serve --fim.
            """)

    @OptionGroup var options: FIMOptions

    @Option(help: "automatic (fanotify where possible, inotify elsewhere) or inotify.")
    var backend: FIMWatcher.Configuration.Backend = .automatic

    @Flag(help: "Also print observations that are not alerts (no difference, already reported).")
    var all = false

    @Flag(help: "No full check at start.") var noStartCheck = false

    func run() throws {
        var configuration = FIMWatcher.Configuration()
        configuration.backend = backend
        configuration.checkAtStart = !noStartCheck
        configuration.workers = max(1, options.workers)
        configuration.ignoredPaths = [(options.baselinePath as NSString).deletingLastPathComponent]
        let output = LinePrinter(json: options.output.json)
        let watcher = FIMWatcher(
            baselinePath: options.baselinePath, key: BaselineKey(vault: try options.vault.open()),
            configuration: configuration, record: { drafts in for draft in drafts { output.print(draft) } },
            observe: { event in if all { output.print(event.entry.draft) } })
        try FIMReporter.run("fim watch") { try watcher.start() }
        for (path, source) in watcher.backends.sorted(by: { $0.key < $1.key }) {
            printError("fim watch: \(path): \(source.rawValue)")
        }
        SignalWait.wait()
        watcher.stop()
        let statistics = watcher.statistics
        printError(
            "fim watch: checked=\(statistics.checked) unauthorized=\(statistics.unauthorized) "
                + "authorized=\(statistics.authorized) overflows=\(statistics.kernelOverflows + statistics.queueOverflows) "
                + "full_checks=\(statistics.fullChecks)")
    }
}

extension FIMWatcher.Configuration.Backend: ExpressibleByArgument {}

/// One line per draft: text (`RISK ACTION TARGET by AGENT: details`) or the draft as one JSON object.
final class LinePrinter: Sendable {
    let json: Bool

    init(json: Bool) {
        self.json = json
    }

    func print(_ draft: AuditDraft) {
        let line: String
        if json {
            line =
                JSONValue.object([
                    ("event_type", .string(draft.eventType.rawValue)), ("agent", .string(draft.agent)),
                    ("action", .string(draft.action)), ("target", .string(draft.target)),
                    ("risk_level", .string(draft.riskLevel.rawValue)), ("details", draft.details),
                ]).canonicalText
        } else {
            line =
                "\(draft.riskLevel) \(draft.eventType.rawValue) \(draft.action) \(draft.target) by \(draft.agent): "
                + draft.details.canonicalText
        }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// SIGINT and SIGTERM, taken by dispatch sources instead of ending the process (so the watch stops in order).
enum SignalWait {
    static func wait() {
        let received = DispatchSemaphore(value: 0)
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { received.signal() }
            source.resume()
            return source
        }
        received.wait()
        for source in sources { source.cancel() }
    }
}
