import Capabilities
import Foundation
import Testing

@testable import Detection

@Suite struct KernelWatchTests {
    let now = Timestamp.seconds(1_760_000_000)

    @Test func moduleListsAreComparedByName() {
        let before = ModuleList(text: Array("ext4 1000 1 - Live 0x0\nloop 40 0 - Live 0x0\nbad line\n".utf8))
        let after = ModuleList(text: Array("ext4 1000 1 - Live 0x0\nrootkit 9000 0 - Live 0x0\n".utf8))
        #expect(before.modules == ["ext4": 1000, "loop": 40])
        #expect(before.changes(to: after).loaded == ["rootkit"])
        #expect(before.changes(to: after).unloaded == ["loop"])
        // A name that could mislead a reader is escaped.
        #expect(ModuleList(text: Array("a\u{1B}[2J 1 0 - Live 0x0".utf8)).modules.keys.first == "a\\x1b[2J")
    }

    /// The first reading is the baseline; each later one reports what appeared and went, with its time window.
    @Test func theWatchReportsLoadsAndRemovalsBetweenReadings() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("modules-\(UUID().uuidString)").path
        defer { unlink(path) }
        try "ext4 1000 1 - Live 0x0\n".write(toFile: path, atomically: true, encoding: .utf8)
        var watch = ModuleWatch(path: path)
        #expect(watch.poll(now: now).isEmpty && watch.available)
        try "ext4 1000 1 - Live 0x0\nrootkit 9000 0 - Live 0x0\n".write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = watch.poll(now: now.adding(.seconds(5)))
        #expect(loaded.map(\.rule) == [.moduleLoaded] && loaded.first?.subject == "rootkit")
        let draft = loaded[0].auditDraft(outcome: .alerted)
        #expect(draft.details["after"] == .string(now.rfc3339))
        #expect(draft.details["before"] == .string(now.adding(.seconds(5)).rfc3339))
        try "".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(watch.poll(now: now.adding(.seconds(10))).map(\.subject) == ["ext4", "rootkit"])
        var absent = ModuleWatch(path: path + ".absent")
        #expect(absent.poll(now: now).isEmpty && !absent.available)
    }

    /// Never the machine's own switch (one-way until reboot): a file standing in for it.
    @Test func theModuleLockWritesOneAndSaysWhatItFound() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("disabled-\(UUID().uuidString)").path
        defer { unlink(path) }
        try "0\n".write(toFile: path, atomically: true, encoding: .utf8)
        let lock = ModuleLock(path: path)
        #expect(try lock.engage() == .engaged)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "1\n")
        #expect(try lock.engage() == .alreadyEngaged)
        #expect(try ModuleLock(path: path + ".absent").engage() == .noModuleSupport)
        #expect(ModuleLock.draft(.engaged).action == "kernel.modules_disabled")
    }

    @Test func seccompRecordsAreParsed() throws {
        let text =
            "audit(1796323786.929:3): auid=4294967295 uid=61001 gid=61001 ses=4294967295 pid=1746 comm=\"perl\" "
            + "exe=\"/usr/bin/perl\" sig=0 arch=c000003e syscall=313 compat=0 ip=0x7fe17a815829 code=0x50000"
        let record = try #require(SeccompRecord(text: Array(text.utf8)))
        #expect(record.pid == 1746 && record.uid == 61001 && record.command == "perl")
        #expect(record.executable == "/usr/bin/perl" && record.moduleCall == "finit_module" && record.code == 0x50000)
        // Hex-encoded names stay as the kernel gave them; a record without its numbers is none.
        let encoded = try #require(SeccompRecord(text: Array("pid=1 uid=2 comm=41420A arch=c000003e syscall=59".utf8)))
        #expect(encoded.command == "41420A" && encoded.moduleCall == nil)
        #expect(SeccompRecord(text: Array("pid=1 uid=x arch=c000003e syscall=313".utf8)) == nil)
        #expect(SeccompRecord(text: Array("comm=\"unterminated pid=1".utf8)) == nil)
    }

    /// Audit records arrive as netlink messages: only type 1326 is read, every length checked.
    @Test func seccompRecordsAreFoundInNetlinkMessages() {
        let text = Array("pid=5 uid=6 arch=c000003e syscall=175 code=0x50000".utf8)
        func message(type: UInt16) -> [UInt8] {
            var out: [UInt8] = []
            let length = UInt32(16 + text.count)
            out += (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
            out += [UInt8(type & 0xFF), UInt8(type >> 8), 0, 0] + [UInt8](repeating: 0, count: 8)
            return out + text + [UInt8](repeating: 0, count: (4 - text.count % 4) % 4)
        }
        let datagram = message(type: 1300) + message(type: 1326)
        #expect(AuditLogReader.seccompRecords(datagram[...]).map(\.moduleCall) == ["init_module"])
        for cut in 0..<datagram.count { _ = AuditLogReader.seccompRecords(datagram[0..<cut]) }
    }
}
