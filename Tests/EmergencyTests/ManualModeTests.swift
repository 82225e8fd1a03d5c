import Emergency
import Foundation
import Testing

@Suite("The manual-mode record outlives the daemon and fails closed")
struct ManualModeTests {
    let directory = NSTemporaryDirectory() + "/aios-manual-\(UUID().uuidString.prefix(8))"

    init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }

    @Test("written, read back, removed")
    func roundTrip() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = ManualModeFile(stateDirectory: directory)
        #expect(file.read() == .autonomous)
        let record = ManualModeRecord(since: "2026-12-03T12:00:00Z", by: "operator admin", reason: "drill")
        try file.write(record)
        #expect(file.read() == .manual(record))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try file.remove()
        #expect(file.read() == .autonomous)
    }

    @Test("a damaged, foreign or swapped file means manual mode, never autonomy")
    func failsClosed() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = ManualModeFile(stateDirectory: directory)
        try "{ not json".write(toFile: file.path, atomically: true, encoding: .utf8)
        guard case .manual(let damaged) = file.read() else { Issue.record("a damaged file read as autonomous"); return }
        #expect(damaged.reason.contains("not a manual-mode record"))
        try FileManager.default.removeItem(atPath: file.path)
        try FileManager.default.createDirectory(atPath: file.path, withIntermediateDirectories: false)
        guard case .manual = file.read() else { Issue.record("a directory read as autonomous"); return }
        try FileManager.default.removeItem(atPath: file.path)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: "/dev/null")
        guard case .manual = file.read() else { Issue.record("a symlink read as autonomous"); return }
    }

    @Test("aios.mode=manual on the kernel command line, as a whole word only")
    func kernelCommandLine() {
        #expect(KernelCommandLine(text: "BOOT_IMAGE=/vmlinuz ro aios.mode=manual quiet\n").requestsManualMode)
        #expect(!KernelCommandLine(text: "ro quiet").requestsManualMode)
        #expect(!KernelCommandLine(text: "xaios.mode=manual aios.mode=manualx").requestsManualMode)
    }
}

@Suite("Resume challenges")
struct ResumeChallengeTests {
    let challenge = ResumeChallenge.fresh(
        host: "gw", stopID: "stop-0123456789abcdef", state: ResumeChallenge.stateDigest(of: ["x", "y"]),
        issuedAt: "2026-12-03T12:00:00Z", expiresAt: "2026-12-03T12:10:00Z")

    @Test("the text reads back to the same challenge; each has its own nonce")
    func roundTrip() throws {
        #expect(try ResumeChallenge(parsing: challenge.text) == challenge)
        #expect(challenge.nonce.count == 64)
        let other = ResumeChallenge.fresh(
            host: "gw", stopID: challenge.stopID, state: challenge.state, issuedAt: challenge.issuedAt,
            expiresAt: challenge.expiresAt)
        #expect(other.nonce != challenge.nonce)
    }

    @Test("the state digest changes with any line")
    func digest() {
        #expect(ResumeChallenge.stateDigest(of: ["a", "b"]) == ResumeChallenge.stateDigest(of: ["a", "b"]))
        #expect(ResumeChallenge.stateDigest(of: ["a", "b"]) != ResumeChallenge.stateDigest(of: ["a", "c"]))
    }

    @Test(
        "anything but the canonical text is refused",
        arguments: ["", "hello\n", "x\n", String(repeating: "a", count: 5000)])
    func malformed(text: String) {
        let error = #expect(throws: EmergencyError.self) { try ResumeChallenge(parsing: text) }
        #expect(error?.code == .malformedChallenge)
    }

    @Test("an edited line (an extra space, a missing newline, another field order) is refused")
    func edited() {
        for edited in [
            challenge.text.replacingOccurrences(of: "host: gw", with: "Host: gw"),
            String(challenge.text.dropLast()),
            challenge.text.replacingOccurrences(of: "host: gw\n", with: "") + "host: gw\n",
        ] {
            #expect(throws: EmergencyError.self) { try ResumeChallenge(parsing: edited) }
        }
    }
}
