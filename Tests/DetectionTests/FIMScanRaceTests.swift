import Foundation
import Policy
import Testing

@testable import Detection

@Suite("File integrity: a tree that changes under the scan, and hostile shapes")
struct FIMScanRaceTests {
    /// Walks the lab's tree, lets `between` change it, then hashes: the race made deterministic.
    private func walkThenHash(_ lab: FIMLab, between: () throws -> Void) rethrows -> [ScanIssue] {
        var walker = TreeWalker()
        walker.walk(lab.watch)
        defer { walker.closeRoots() }
        try between()
        var records = walker.records
        return ContentHasher(workers: 2, progress: ScanProgress()).hash(walker.pending, into: &records)
    }

    @Test("a watched path is opened as its parent (relative to /) and its name, top-level paths too")
    func split() {
        let cases: [(String, String, String)] = [("/etc", ".", "etc"), ("/", ".", "."), ("/usr/bin", "usr", "bin")]
        for (path, parent, name) in cases {
            let parts = TreeWalker.split(Array(path.utf8))
            #expect(parts.parent == Array(parent.utf8) && parts.name == Array(name.utf8), "\(path)")
        }
    }

    @Test("a file removed between listing and reading is reported as vanished")
    func vanished() throws {
        let lab = try FIMLab()
        try lab.write("tmp", "x\n")
        let issues = try walkThenHash(lab) { try FileManager.default.removeItem(atPath: lab.path("tmp")) }
        #expect(issues.map(\.kind) == [.vanished] && issues.first?.path == Array(lab.path("tmp").utf8))
    }

    @Test("a file swapped for a FIFO after listing is reported and never waited on")
    func swappedForFIFO() throws {
        let lab = try FIMLab()
        try lab.write("pipe", "x\n")
        let issues = try walkThenHash(lab) {
            try FileManager.default.removeItem(atPath: lab.path("pipe"))
            #expect(mkfifo(lab.path("pipe"), 0o600) == 0)
        }
        #expect(issues.map(\.kind) == [.changedDuringScan])
    }

    @Test("a directory swapped for a symlink after listing is not followed")
    func directorySwappedForSymlink() throws {
        let lab = try FIMLab()
        try FileManager.default.createDirectory(atPath: lab.path("d"), withIntermediateDirectories: false)
        try lab.write("d/f", "x\n")
        let elsewhere = (lab.root as NSString).deletingLastPathComponent + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: elsewhere + "/f"))
        let issues = try walkThenHash(lab) {
            try FileManager.default.removeItem(atPath: lab.path("d"))
            try FileManager.default.createSymbolicLink(atPath: lab.path("d"), withDestinationPath: elsewhere)
        }
        #expect(issues.map(\.kind) == [.changedDuringScan])
    }

    @Test("a huge sparse file is compared by metadata past max_size instead of being read")
    func sparseFile() throws {
        let lab = try FIMLab(maxHashSize: 1 << 20)
        try lab.write("disk.img", "small\n")
        try lab.initialize()
        #expect(truncate(lab.path("disk.img"), 64 << 30) == 0)
        let result = try lab.check()
        #expect(lab.attributes(lab.change(result, "disk.img")) == ["content", "size"])
        let record = result.scan.records.first { $0.path == Array(lab.path("disk.img").utf8) }
        #expect(record?.size == 64 << 30 && record?.digest == nil)
    }

    @Test("a directory of 100,000 entries is scanned whole")
    func hugeDirectory() throws {
        let lab = try FIMLab()
        let directory = lab.path("many")
        #expect(mkdir(directory, 0o755) == 0)
        for index in 0..<100_000 {
            let descriptor = open(directory + "/f\(index)", O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            #expect(descriptor >= 0)
            close(descriptor)
        }
        let scan = try lab.initialize()
        #expect(scan.records.count == 100_002 && scan.issues.isEmpty)
        #expect(unlink(directory + "/f54321") == 0)
        let result = try lab.check()
        #expect(result.changes.map(\.kind) == [.removed] && result.scan.issues.isEmpty)
    }

    @Test("names with a newline or bytes that are not UTF-8 are recorded exactly and printed escaped")
    func hostileNames() throws {
        let lab = try FIMLab()
        let newline = Array(lab.path("a\nb").utf8)
        let binary = Array(lab.root.utf8) + [0x2F, 0x78, 0xFF, 0xFE]
        try lab.initialize()
        for name in [newline, binary] {
            let descriptor = FIMPath.withCString(name) { open($0, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644) }
            #expect(descriptor >= 0)
            close(descriptor)
        }
        let result = try lab.check()
        #expect(Set(result.changes.map(\.path)) == [newline, binary])
        #expect(EscapedPath.text(newline) == lab.root + "/a\\nb")
        #expect(EscapedPath.text(binary) == lab.root + "/x\\xff\\xfe")
        #expect(EscapedPath.text(Array("back\\slash".utf8)) == "back\\\\slash")
    }
}
