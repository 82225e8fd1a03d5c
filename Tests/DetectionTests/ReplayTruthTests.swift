import Foundation
import Policy
import Testing

@testable import Detection

/// The replay over `gen_authlog.py`'s log against its ground truth: every IP that must be banned is, and no other,
/// in both timestamp formats.
@Suite struct ReplayTruthTests {
    /// A copy of the shared benchmark's generator (`bench/ids/gen_authlog.py`), kept with the tests so they run
    /// wherever the repository is.
    static let generator = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/gen_authlog.py").path

    @Test(arguments: [false, true])
    func replayMatchesTheGroundTruthExactly(traditional: Bool) throws {
        let directory = NSTemporaryDirectory() + "aios-ids-replay-\(getpid())-\(traditional)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/auth.log"
        try runTool(
            "/usr/bin/python3",
            [Self.generator, log, directory + "/truth", "20000", "7"] + (traditional ? ["--traditional"] : []))
        let truth = try String(contentsOfFile: directory + "/truth/authlog_truth_banned.txt", encoding: .utf8)
        let mustBan = Set(truth.split(separator: "\n").map(String.init))
        let meta = try String(contentsOfFile: directory + "/truth/authlog_meta.txt", encoding: .utf8)
        let failures = meta.split(separator: "\n").first { $0.hasPrefix("total_failures=") }.map {
            Int($0.dropFirst(15))
        }

        let result = try AuthLogReplay(policy: .defaults(), classicYear: 2026).run(path: log)
        // The truth is per address; the /64 rule adds one prefix block, since the generator draws every IPv6
        // address (20 burst attackers among them) from 2001:db8::/64.
        let blocks = result.alerts.filter { $0.blockDuration != nil }
        let banned = Set(blocks.filter { $0.prefix == nil }.map(\.source.description))
        #expect(Set(blocks.compactMap { $0.prefix?.description }) == ["2001:db8::/64"])
        #expect(mustBan.count == 380)
        #expect(banned.subtracting(mustBan).isEmpty, "false positives: \(banned.subtracting(mustBan).sorted())")
        #expect(mustBan.subtracting(banned).isEmpty, "false negatives: \(mustBan.subtracting(banned).sorted())")
        #expect(result.counts.failures == failures, "one failure per attempt, as the generator counts them")
        #expect(result.counts.malformed == 0)
    }

    @Test func kernelLogLinesFeedTheScanRules() throws {
        let directory = NSTemporaryDirectory() + "aios-ids-kern-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = (1...12).map { port in
            "2026-06-01T00:00:0\(port % 10).000000+00:00 gw kernel: [  12.3] aios-ids: IN=eth0 OUT= MAC=00 "
                + "SRC=198.51.100.99 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40000 "
                + "DPT=\(port) WINDOW=1024 RES=0x00 SYN URGP=0"
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: directory + "/kern.log", atomically: true, encoding: .utf8)
        let result = try AuthLogReplay(policy: .defaults(), classicYear: 2026).run(path: directory + "/kern.log")
        #expect(result.packetLines == 12)
        #expect(result.alerts.contains { $0.rule == .portScan && $0.source == IPAddress("198.51.100.99") })
        #expect(result.alerts.contains { $0.rule == .unexpectedPort })
    }
}

func runTool(_ executable: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw TestFailure("\(executable) exited \(process.terminationStatus)") }
}
