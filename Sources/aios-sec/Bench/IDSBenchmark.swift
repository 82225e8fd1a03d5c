import ArgumentParser
import Capabilities
import Detection
import Foundation
import Policy
import Synchronization

/// Issue 7's brute-force figures on one machine in one run: a `lines`-line auth.log from `gen_authlog.py` (seed 7,
/// ground truth beside it, in `Benchmarks/work/ids/`, made once), `aios-sec ids replay` (this binary, its own
/// process) against `fail2ban-regex` with fail2ban's `sshd` filter on the same file (lines/s and the ratio; goal
/// ≥ 20×), the bans of each against the truth (ours from the replay, fail2ban's from its own engine through
/// `f2b_replay.py`; goal 0 FP, 0 FN), and the time from writing the threshold-crossing line to the block call in a
/// live tail (goal p99 ≤ 1 s). Returns a Markdown table.
func benchmarkIDS(lines: Int) throws -> String {
    let bench = IDSBenchFiles(lines: lines)
    try bench.generateIfMissing()
    let truth = try BanTruth(tsv: bench.truth + "/authlog_truth.tsv")
    let ours = try timed { try run(CommandLine.executablePath, ["ids", "replay", bench.log, "--ban-list"]) }
    // Scored per address, as the truth is; prefix blocks (the IPv6 /64 rule) are reported beside the score.
    let oursScore = truth.score(bans(in: ours.output).filter { !$0.key.contains("/") })
    let prefixBans = bans(in: ours.output).keys.filter { $0.contains("/") }.sorted()
    let regex = try timed { try run("/usr/bin/fail2ban-regex", [bench.log, "/etc/fail2ban/filter.d/sshd.conf"]) }
    let f2bDirectory = bench.directory + "/f2b-replay"
    _ = try run(
        "/usr/bin/python3",
        [
            IDSBenchFiles.scripts + "/f2b_replay.py", bench.log, "--truth", bench.truth + "/authlog_truth.tsv",
            "--out", f2bDirectory,
        ])
    let f2bBans = try String(contentsOfFile: f2bDirectory + "/f2b_bans.tsv", encoding: .utf8)
    let f2bScore = truth.score(bans(in: String(f2bBans.split(separator: "\n").dropFirst().joined(separator: "\n"))))
    let latency = try measureTailLatency(sources: 200)
    let fileLines = Double(try bench.lineCount())
    let oursRate = fileLines / ours.seconds
    let regexRate = fileLines / regex.seconds
    func rate(_ value: Double) -> String { String(format: "%.0f", value) }
    func ms(_ value: Duration) -> String { String(format: "%.3f", value / .milliseconds(1)) }
    return """
        | \(Int(fileLines)) auth.log lines (`gen_authlog.py`, seed 7; \(truth.shouldBan.count) IPs must be banned) \
        | wall s | lines/s | banned | TP | FP | FN |
        |---|---:|---:|---:|---:|---:|---:|
        | `aios-sec ids replay` (one failure per attempt, exact 10-minute window) | \
        \(String(format: "%.2f", ours.seconds)) | \(rate(oursRate)) | \(oursScore.banned) | \(oursScore.truePositives) \
        | \(oursScore.falsePositives) | \(oursScore.falseNegatives) |
        | `fail2ban-regex LOG sshd.conf` (parsing only) / fail2ban's engine via `f2b_replay.py` (bans) | \
        \(String(format: "%.2f", regex.seconds)) | \(rate(regexRate)) | \(f2bScore.banned) | \
        \(f2bScore.truePositives) | \(f2bScore.falsePositives) | \(f2bScore.falseNegatives) |

        Prefix blocks beside the per-address bans: \(prefixBans.isEmpty ? "none" : prefixBans.joined(separator: ", ")) \
        (the generator draws every IPv6 address from one /64).

        Replay speed-up over fail2ban-regex: **\(String(format: "%.1f", oursRate / regexRate))×** (goal ≥ 20×). \
        Our ban time minus the time the exact rule was met: median \(String(format: "%+.2f", oursScore.medianDelay)) s, \
        max \(String(format: "%+.2f", oursScore.maximumDelay)) s.

        | live tail (inotify), \(latency.count) threshold-crossing lines, one per source | p50 ms | p99 ms | max ms |
        |---|---:|---:|---:|
        | write of the 5th failed attempt → `Blocker.block` called | \(ms(latency.p50)) | \(ms(latency.p99)) \
        | \(ms(latency.maximum)) |
        """
}

struct IDSBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Replay vs fail2ban-regex on a generated auth.log, bans vs the ground truth, live block latency."
    )

    @Option(help: "Lines of the generated auth.log.")
    var lines = 1_000_000

    func run() throws {
        print(try benchmarkIDS(lines: lines))
    }
}

/// The generated log and its truth in `Benchmarks/work/ids/` (git-ignored).
private struct IDSBenchFiles {
    /// The shared benchmark scripts: `$AIOS_SHARED/bench/ids`, else `../shared/bench/ids` beside the repository.
    static let scripts = (ProcessInfo.processInfo.environment["AIOS_SHARED"] ?? "../shared") + "/bench/ids"
    let directory = "Benchmarks/work/ids"
    let lines: Int

    var log: String { "\(directory)/auth-\(lines).log" }
    var truth: String { "\(directory)/truth-\(lines)" }

    func generateIfMissing() throws {
        let manager = FileManager.default
        guard !manager.fileExists(atPath: truth + "/authlog_meta.txt") || !manager.fileExists(atPath: log) else {
            return
        }
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try run("/usr/bin/python3", [Self.scripts + "/gen_authlog.py", log, truth, String(lines), "7"])
    }

    func lineCount() throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: log), options: .alwaysMapped)
        return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}

/// `authlog_truth.tsv`: which IPs must be banned and when the exact rule is first met.
struct BanTruth {
    let shouldBan: [String: Double]

    init(tsv path: String) throws {
        var should: [String: Double] = [:]
        for row in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst() {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.count == 6, fields[3] == "1", let epoch = Double(fields[5]) { should[String(fields[0])] = epoch }
        }
        shouldBan = should
    }

    struct Score {
        var banned = 0
        var truePositives = 0
        var falsePositives = 0
        var falseNegatives = 0
        var medianDelay = 0.0
        var maximumDelay = 0.0
    }

    /// compare_bans.py's scoring: by distinct IP, the first ban's time against the rule-met time.
    func score(_ bans: [String: Double]) -> Score {
        var score = Score(banned: bans.count)
        var delays: [Double] = []
        for (ip, time) in bans {
            if let met = shouldBan[ip] {
                score.truePositives += 1
                delays.append(time - met)
            } else {
                score.falsePositives += 1
            }
        }
        score.falseNegatives = shouldBan.keys.filter { bans[$0] == nil }.count
        delays.sort()
        if !delays.isEmpty {
            score.medianDelay = delays[delays.count / 2]
            score.maximumDelay = delays[delays.count - 1]
        }
        return score
    }
}

/// `IP EPOCH …` lines → the first ban time of each IP.
private func bans(in text: String) -> [String: Double] {
    var first: [String: Double] = [:]
    for line in text.split(separator: "\n") {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 2, let time = Double(fields[1]) else { continue }
        let ip = String(fields[0])
        first[ip] = min(first[ip] ?? .infinity, time)
    }
    return first
}

private struct Timed {
    let output: String
    let seconds: Double
}

private func timed(_ body: () throws -> String) rethrows -> Timed {
    let start = ContinuousClock.now
    let output = try body()
    return Timed(output: output, seconds: (ContinuousClock.now - start) / .seconds(1))
}

/// Runs a program to completion; its standard output, or a thrown error naming its exit status.
private func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw IDSBenchmarkError("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

struct IDSBenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension CommandLine {
    /// This binary (the replay is timed as its own process, as a user runs it).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
