import ArgumentParser
import Audit
import Capabilities
import Detection
import Foundation
import Policy

struct IDSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ids",
        abstract: "Network intrusion detection: replay the rules over a log, benchmark them.",
        subcommands: [IDSReplayCommand.self, IDSBenchCommand.self]
    )
}

struct IDSReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the brute-force and scan rules over a log file offline; print each block they would issue.",
        discussion: """
            FILE: sshd's syslog lines (auth.log, RFC 3339 or classic timestamps) and, for the scan rules, netfilter \
            log lines (SRC=… DST=… DPT=…). The log's own timestamps are the clock. Nothing is blocked or recorded. \
            One failure is one failed attempt (a 'Failed password' line, or a connection that only logged \
            'Invalid user'), never one per line. Counts go to stderr.
            """
    )

    @Argument(help: "Log file to replay.")
    var file: String

    @OptionGroup var policy: PolicyOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Print 'IP EPOCH' per block instead (the input of compare_bans.py).")
    var banList = false

    @Option(help: "Year of classic 'Jun  1 00:00:01' timestamps (default: this year).")
    var year: Int?

    func run() throws {
        let loaded = try policy.load()
        let replay = AuthLogReplay(
            policy: loaded.ids, classicYear: year ?? Int(SystemClock().now().rfc3339.prefix(4)) ?? 1970)
        let started = ContinuousClock.now
        var out = BufferedOutput()
        let result: AuthLogReplay.Result
        do {
            result = try replay.run(path: file) { alert in
                out.write(banList ? Self.banLine(alert) : output.json ? Self.json(alert) : Self.text(alert))
            }
        } catch {
            printError("ids replay: \(error)")
            throw error.isUnavailable ? ExitStatus.dataError : ExitStatus.software
        }
        out.flush()
        let elapsed = (ContinuousClock.now - started) / .seconds(1)
        let blocks = result.alerts.filter { $0.blockDuration != nil }.count
        printError(
            "\(file): \(result.lines) lines, \(result.counts.events) sshd events, \(result.counts.failures) failed "
                + "attempts, \(result.packetLines) packet lines, \(result.counts.malformed) malformed; \(blocks) "
                + "blocks, \(result.alerts.count - blocks) alert-only; "
                + String(format: "%.2f s (%.0f lines/s)", elapsed, Double(result.lines) / max(elapsed, 1e-9)))
    }

    static func banLine(_ alert: IntrusionAlert) -> String {
        guard alert.blockDuration != nil else { return "" }
        return "\(alert.subject) \(String(format: "%.3f", Double(alert.time.millisecondsSinceEpoch) / 1000))\n"
    }

    static func text(_ alert: IntrusionAlert) -> String {
        let action =
            switch alert.response {
            case .block(let duration): "block \(alert.subject) for \(duration)"
            case .alertOnly: "alert \(alert.subject) (not blocked)"
            }
        return "\(alert.time.rfc3339)  \(action)  \(alert.rule.rawValue): \(alert.summary)\n"
            + alert.evidence.map { "    \($0)\n" }.joined()
    }

    /// One object per line: `source`, `time`, `rule`, `evidence`, and what would be done.
    static func json(_ alert: IntrusionAlert) -> String {
        var members: [(key: String, value: JSONValue)] = [
            ("source", .string(alert.subject)), ("time", .string(alert.time.rfc3339)),
            ("rule", .string(alert.rule.rawValue)), ("evidence", .array(alert.evidence.map { .string($0) })),
            ("summary", .string(alert.summary)), ("threshold_met_at", .string(alert.thresholdMetAt.rfc3339)),
        ]
        if !alert.ports.isEmpty { members.append(("ports", .array(alert.ports.map { .integer(Int64($0)) }))) }
        switch alert.response {
        case .block(let duration): members += [("action", .string("block")), ("block_for", .string("\(duration)"))]
        case .alertOnly(let reason): members += [("action", .string("alert")), ("reason", .string(reason))]
        }
        return JSONValue.object(members).canonicalText + "\n"
    }
}

/// Standard output in 64 KiB writes: a replay may print thousands of lines.
struct BufferedOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ text: String) {
        buffer += text.utf8
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
