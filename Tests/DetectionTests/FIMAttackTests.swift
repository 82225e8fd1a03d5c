import CFileIntegrity
import Foundation
import Policy
import SecurityTesting
import Testing

@testable import Detection

@Suite("File integrity: what an intruder changes is reported")
struct FIMAttackTests {
    @Test("an untouched tree checks clean, and every kind of entry is recorded")
    func cleanTree() throws {
        let lab = try FIMLab()
        try lab.write("passwd", "root:x:0:0::/root:/bin/sh\n")
        try FileManager.default.createDirectory(atPath: lab.path("sub"), withIntermediateDirectories: false)
        try lab.write("sub/conf", "a = 1\n")
        try FileManager.default.createSymbolicLink(atPath: lab.path("link"), withDestinationPath: "/etc/shadow")
        #expect(mkfifo(lab.path("fifo"), 0o600) == 0)
        let scan = try lab.initialize()
        #expect(scan.records.count == 6 && scan.issues.isEmpty)
        let link = scan.records.first { $0.path == Array(lab.path("link").utf8) }
        #expect(link?.kind == .symlink && link?.target == Array("/etc/shadow".utf8) && link?.digest == nil)
        let fifo = scan.records.first { $0.path == Array(lab.path("fifo").utf8) }
        #expect(fifo?.kind == .fifo && fifo?.digest == nil, "a FIFO is recorded by metadata and never opened")
        let result = try lab.check()
        #expect(result.isClean, "\(result.changes) \(result.scan.issues)")
    }

    @Test("an edit whose size and modification time were put back is caught by the content hash")
    func editWithRestoredTime() throws {
        let lab = try FIMLab()
        try lab.write("sshd_config", "PermitRootLogin no\n")
        var before = stat()
        #expect(stat(lab.path("sshd_config"), &before) == 0)
        try lab.initialize()
        try lab.write("sshd_config", "PermitRootLogin ye\n")
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, lab.path("sshd_config"), &times, 0) == 0)
        let result = try lab.check()
        #expect(lab.attributes(lab.change(result, "sshd_config")) == ["content"])
    }

    @Test("a setuid bit added with the content unchanged is reported as setuid, even where mode is not a rule")
    func setuidAdded() throws {
        let lab = try FIMLab(rules: [.content])
        try lab.write("helper", "#!/bin/sh\n")
        #expect(chmod(lab.path("helper"), 0o755) == 0)
        try lab.initialize()
        #expect(chmod(lab.path("helper"), 0o4755) == 0)
        let change = lab.change(try lab.check(), "helper")
        #expect(lab.attributes(change) == ["setuid"])
        #expect(change?.differences.first?.new == "on")
    }

    @Test("a file swapped for a symlink is a type change, and the link is not followed")
    func swappedForSymlink() throws {
        let lab = try FIMLab()
        try lab.write("sudoers", "root ALL=(ALL) ALL\n")
        try lab.initialize()
        try FileManager.default.removeItem(atPath: lab.path("sudoers"))
        try FileManager.default.createSymbolicLink(atPath: lab.path("sudoers"), withDestinationPath: "/etc/passwd")
        let result = try lab.check()
        let change = lab.change(result, "sudoers")
        #expect(change?.differences == [.init(attribute: "type", old: "file", new: "symlink")])
        let record = result.scan.records.first { $0.path == Array(lab.path("sudoers").utf8) }
        #expect(record?.digest == nil && record?.target == Array("/etc/passwd".utf8))
    }

    @Test("a new hard link to a watched file is reported: inside the tree as a link of it, outside by its count")
    func hardLinks() throws {
        let lab = try FIMLab()
        try lab.write("su", "binary\n")
        try lab.write("other", "x\n")
        try lab.initialize()
        #expect(link(lab.path("su"), lab.path("copy")) == 0)
        let outside = (lab.root as NSString).deletingLastPathComponent + "/kept"
        #expect(link(lab.path("other"), outside) == 0)
        let result = try lab.check()
        let added = lab.change(result, "copy")
        #expect(added?.kind == .added && added?.hardLinkOf == Array(lab.path("su").utf8))
        #expect(lab.attributes(lab.change(result, "su")) == ["links"])
        #expect(lab.attributes(lab.change(result, "other")) == ["links"])
    }

    @Test("file capabilities and other extended attributes added are reported apart", .requiresRoot("CAP_SETFCAP"))
    func capabilitiesAdded() throws {
        let lab = try FIMLab()
        try lab.write("ping", "binary\n")
        try lab.write("note", "x\n")
        try lab.initialize()
        // VFS_CAP_REVISION_2 with the effective flag; permitted: CAP_NET_RAW (13).
        var capability: [UInt8] = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0, 0] + [UInt8](repeating: 0, count: 12)
        #expect(setxattr(lab.path("ping"), "security.capability", &capability, capability.count, 0) == 0)
        var value: [UInt8] = Array("v".utf8)
        #expect(setxattr(lab.path("note"), "user.mark", &value, value.count, 0) == 0)
        let result = try lab.check()
        #expect(lab.attributes(lab.change(result, "ping")) == ["caps"])
        #expect(lab.attributes(lab.change(result, "note")) == ["xattrs"])
    }

    @Test("added and removed files are reported")
    func addedAndRemoved() throws {
        let lab = try FIMLab()
        try lab.write("old", "x\n")
        try lab.initialize()
        try FileManager.default.removeItem(atPath: lab.path("old"))
        try lab.write("backdoor", "x\n")
        let result = try lab.check()
        #expect(lab.change(result, "old")?.kind == .removed && lab.change(result, "backdoor")?.kind == .added)
    }
}
