import Capabilities
import Foundation
import Policy
import SecurityTesting
import Testing

@testable import Detection

/// The real path, as root, inside namespaces the tests create: nmap against an NFLOG reader in the target, and
/// password guessing against a real sshd whose log is tailed. Serialized: nmap and sshd are heavy on 2 cores.
@Suite(.serialized) struct NamespaceTests {
    let audit = RecordingAudit()

    @Test(.requiresRoot("network namespaces, nftables, NFLOG"), arguments: ["-sS", "-sT"])
    func nmapScansAreDetectedAndTheScannerIsBlocked(scan: String) throws {
        let lab = try IDSLab()
        defer { lab.close() }
        try lab.listen([22, 80])
        let blocker = NamespaceSetBlocker(namespace: lab.targetNamespace)
        let ids = NetworkIDS(policy: .defaults(), blocker: blocker, audit: audit.sink, clock: SystemClock())
        let reader = try NFLogReader(group: IDSLab.group, networkNamespace: lab.namespacePath)
        let sources = IDSSources(ids: ids, nflog: reader, tail: nil)
        defer { sources.stop() }
        #expect(try lab.connects(from: "10.77.0.11", port: 22))

        // Once blocked, the scanner's probes go unanswered and nmap waits out its timeouts: it is stopped then.
        let nmap = try lab.start(
            ["nmap", scan, "-n", "-Pn", "-T4", "-p1-1000", "-S", "10.77.0.11", "-e", "va", IDSLab.target],
            in: lab.attacker)
        #expect(try eventually(10) { try lab.isBlocked("10.77.0.11") }, "the scanner is in the blocklist")
        // How fast is a benchmark figure (`aios-sec bench ids`), not a timed test; here only that it happens.
        lab.stop(nmap)
        // The block comes before its record (a slow ledger must not delay it): wait for the record too.
        #expect(eventually(10) { audit.entries.contains { $0.action == "ids.port_scan" } })
        let entry = try #require(audit.entries.first { $0.action == "ids.port_scan" })
        #expect(entry.target == "10.77.0.11" && entry.result == .success)
        #expect(try !lab.connects(from: "10.77.0.11", port: 22), "the scanner's next connection fails")
        #expect(try lab.connects(from: "10.77.0.12", port: 22), "other sources still connect")
        #expect(reader.statistics.attempts >= 10)
        #expect(reader.statistics.lost == 0 && reader.statistics.overruns == 0)
    }

    @Test(.requiresRoot("network namespaces, sshd, nftables")) func sshPasswordGuessingIsBlockedAndASlowClientIsNot()
        throws
    {
        let lab = try IDSLab()
        defer { lab.close() }
        let log = try startSSHD(in: lab)
        var policy = IDSPolicy.defaults()
        policy.bruteForce = RateThreshold(count: 5, window: .seconds(10), blockFor: .seconds(600))
        let blocker = NamespaceSetBlocker(namespace: lab.targetNamespace)
        let ids = NetworkIDS(policy: policy, blocker: blocker, audit: audit.sink, clock: SystemClock())
        let sources = IDSSources(ids: ids, nflog: nil, tail: LogTail(path: log))
        defer { sources.stop() }
        Thread.sleep(forTimeInterval: 0.3)

        for _ in 0..<5 { try guessPassword(lab, from: "10.77.0.11") }
        #expect(try eventually(15) { try lab.isBlocked("10.77.0.11") }, "the guesser is blocked")
        #expect(try !lab.connects(from: "10.77.0.11", port: 22), "its next connection fails")
        #expect(eventually(10) { audit.entries.contains { $0.action == "ids.brute_force" } })
        let entry = try #require(audit.entries.first { $0.action == "ids.brute_force" })
        #expect(entry.target == "10.77.0.11")

        for attempt in 0..<5 {
            if attempt > 0 { Thread.sleep(forTimeInterval: 3) }
            try guessPassword(lab, from: "10.77.0.12")
        }
        Thread.sleep(forTimeInterval: 1)
        #expect(try !lab.isBlocked("10.77.0.12"), "one failure every 3 s never puts 5 in 10 s")
        #expect(try lab.connects(from: "10.77.0.12", port: 22))
        #expect(ids.statistics.lines.failures >= 10)
    }

    /// sshd in the target with its own host key, config, pid file and `-E` log; ended by pid with the lab.
    private func startSSHD(in lab: IDSLab) throws -> String {
        let directory = lab.directory
        try lab.writeSSHDConfig()
        let log = directory + "/sshd.log"
        try Data().write(to: URL(fileURLWithPath: log))
        // sshd refuses to start without its privilege-separation directory (Debian's service creates it).
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try lab.start(["/usr/sbin/sshd", "-D", "-f", directory + "/sshd_config", "-E", log])
        guard try eventually(5, { try lab.connects(from: "10.77.0.13", port: 22) }) else {
            throw TestFailure("sshd did not start: \(try String(contentsOfFile: log, encoding: .utf8))")
        }
        return log
    }

    private func guessPassword(_ lab: IDSLab, from source: String) throws { try lab.guessPassword(from: source) }
}
