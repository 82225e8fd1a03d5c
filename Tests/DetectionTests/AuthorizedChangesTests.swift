import Foundation
import Testing

@testable import Detection

/// How an observed path is matched to an announcement: the path itself, the writer's own temporary files beside it,
/// and nothing else.
@Suite struct AuthorizedChangesTests {
    let changes = AuthorizedChanges()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-ac-\(UUID().uuidString)").path

    func bytes(_ path: String) -> [UInt8] { Array(path.utf8) }

    @Test func dpkgTemporariesMatchTheirPathAndNothingElse() throws {
        let tickets = changes.begin(
            [.init(path: "/r/usr/bin/tool"), .init(path: "/r/usr/bin/su", privileged: true)], auditID: "e1",
            agent: "pkg", by: .dpkg)
        #expect(changes.match(path: bytes("/r/usr/bin/tool"), current: nil) == .pending)
        changes.end(tickets, contents: [tickets[0]: [1, 2, 3]])
        for suffix in [".dpkg-new", ".dpkg-tmp", ".dpkg-old", ".dpkg-dist"] {
            #expect(changes.match(path: bytes("/r/usr/bin/tool" + suffix), current: nil) == .temporary)
        }
        // The Broker's temporary naming is not dpkg's, and another name in the folder is not announced.
        #expect(changes.match(path: bytes("/r/usr/bin/.tool.aios-1234abcd"), current: nil) == nil)
        #expect(changes.match(path: bytes("/r/usr/bin/tool2"), current: nil) == nil)
        #expect(changes.match(path: bytes("/r/usr/bin/.dpkg-new"), current: nil) == nil)
        // Both paths are gone (this test made neither): what was left is "absent", with the content given at the end.
        #expect(
            changes.match(path: bytes("/r/usr/bin/tool"), current: nil)
                == .authorized(auditID: "e1", agent: "pkg", content: [1, 2, 3], privileged: false))
        #expect(
            changes.match(path: bytes("/r/usr/bin/su"), current: nil)
                == .authorized(auditID: "e1", agent: "pkg", content: nil, privileged: true))
    }

    @Test func brokerTemporariesMatchEvenWhenTheNameWasCut() throws {
        let long = String(repeating: "n", count: 230)
        let ticket = changes.begin(path: "/d/" + long, auditID: "e2", agent: "a")
        changes.end(ticket)
        #expect(changes.match(path: bytes("/d/." + long.prefix(200) + ".aios-0a1b2c3d"), current: nil) == .temporary)
        #expect(changes.match(path: bytes("/d/" + long + ".dpkg-new"), current: nil) == nil)
        #expect(changes.match(path: bytes("/d/..aios-0a1b2c3d"), current: nil) == nil)
        #expect(changes.match(path: bytes("/e/." + long.prefix(200) + ".aios-0a1b2c3d"), current: nil) == nil)
    }

    @Test func whatIsThereNowMustBeWhatWasLeft() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/conf"
        FileManager.default.createFile(atPath: path, contents: Data("a".utf8))
        let ticket = changes.begin([.init(path: path)], auditID: "e3", agent: "pkg", by: .dpkg)
        changes.end(ticket)
        let left = AuthorizedChanges.stat(bytes(path))
        #expect(
            changes.match(path: bytes(path), current: left)
                == .authorized(
                    auditID: "e3", agent: "pkg", content: nil, privileged: false))
        #expect(changes.match(path: bytes(path), current: nil) == .changedSince(auditID: "e3"))
    }
}
