import Foundation
import Testing

@Suite("aios-sec audit")
struct AuditCLITests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-audit-\(UUID().uuidString)")
        .path

    static let lines = [
        #"{"event_type":"tool_call","agent":"aios-agent-system","action":"fs.write","target":"/etc/nginx/nginx.conf","capabilities_used":["fs:write:/etc/nginx/*"],"result":"success","risk_level":"medium","details":{"bytes_written":1234,"backup_created":true}}"#,
        #"{"event_type":"capability_grant","agent":"aios-agent-task","action":"grant","target":"fs:write:/tmp/demo/*","result":"success","risk_level":"medium","task_id":"task-123"}"#,
    ]

    @Test("append, query in the spec's shape, verify, prove and verify the proof offline")
    func roundTrip() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let append = try BinaryRunner.run(
            ["audit", "append", "--ledger", directory], stdin: Self.lines.joined(separator: "\n"))
        #expect(append.status == 0, "\(append.stderr)")
        let ids = append.stdout.split(separator: "\n").map(String.init)
        #expect(ids.count == 2)
        let query = try BinaryRunner.run([
            "audit", "query", "--ledger", directory, "--json", "--type", "capability_grant",
        ])
        #expect(query.status == 0)
        #expect(
            query.stdout.contains(
                #""event_type":"capability_grant","agent":"aios-agent-task","action":"grant","target":"fs:write:/tmp/demo/*","capabilities_used":[],"result":"success","risk_level":"medium","details":{},"task_id":"task-123"}"#
            ))
        #expect(try BinaryRunner.run(["audit", "verify", "--ledger", directory]).status == 0)
        let proof = try BinaryRunner.run(["audit", "prove", ids[0], "--ledger", directory])
        #expect(proof.status == 0, "\(proof.stderr)")
        let pubkey = directory + "/checkpoint.pub"
        let check = try BinaryRunner.run(["audit", "verify-proof", "-", "--pubkey", pubkey], stdin: proof.stdout)
        #expect(check.status == 0, "\(check.stderr)")
        let forged = proof.stdout.replacingOccurrences(of: "nginx.conf", with: "nginx.conf.bak")
        #expect(try BinaryRunner.run(["audit", "verify-proof", "-", "--pubkey", pubkey], stdin: forged).status == 1)
    }

    @Test("a malformed line is rejected with its number; the lines before it are kept, none after")
    func malformedImport() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = [
            Self.lines[0],
            #"{"event_type":"tool_call","agent":"a","action":"x","result":"success","risk_level":"extreme"}"#,
            Self.lines[1],
        ]
        let append = try BinaryRunner.run(
            ["audit", "append", "--ledger", directory], stdin: input.joined(separator: "\n"))
        #expect(append.status == 65)
        #expect(append.stderr.contains("stdin:2: unknown risk_level 'extreme'"))
        let query = try BinaryRunner.run(["audit", "query", "--ledger", directory, "--json"])
        #expect(query.stdout.split(separator: "\n").count == 1)
    }

    /// A large import refused at its first line: the CLI stops reading at once and says where (the lines after it
    /// are never read, let alone written).
    @Test("a large import refused at its first line ends at once, naming the line")
    func largeImportRefusedEarly() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bad = #"{"event_type":"tool_call","agent":"a","action":"x","result":"success","risk_level":"extreme"}"#
        let input = ([bad] + Array(repeating: Self.lines[0], count: 40_000)).joined(separator: "\n")
        #expect(input.utf8.count > 4 << 20)
        let append = try BinaryRunner.run(["audit", "append", "--ledger", directory], stdin: input, timeout: 120)
        #expect(append.status == 65)
        #expect(append.stderr.contains("stdin:1: unknown risk_level 'extreme'"))
    }

    @Test(
        "bad filters are clear errors (exit 65)",
        arguments: [["--type", "toolcall"], ["--since", "last week"], ["--limit", "0"], ["--risk", "extreme"]])
    func badFilters(_ filter: [String]) throws {
        let output = try BinaryRunner.run(["audit", "query", "--ledger", directory] + filter)
        #expect(output.status == 65)
        #expect(output.stderr.contains(filter[0]))
    }

    @Test("verify says on every run when it trusts the key file beside the ledger, and not with --pubkey")
    func keyTrustNotice() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pinned = directory + "-pinned.pub"
        defer { try? FileManager.default.removeItem(atPath: pinned) }
        let append = try BinaryRunner.run(["audit", "append", "--ledger", directory], stdin: Self.lines[0])
        #expect(append.status == 0, "\(append.stderr)")
        try FileManager.default.copyItem(atPath: directory + "/checkpoint.pub", toPath: pinned)
        for json in [[], ["--json"]] {
            let beside = try BinaryRunner.run(["audit", "verify", "--ledger", directory] + json)
            #expect(beside.status == 0)
            #expect(beside.stderr.contains("trusting the key file beside the ledger"), "\(beside.stderr)")
            let pinnedRun = try BinaryRunner.run(["audit", "verify", "--ledger", directory, "--pubkey", pinned] + json)
            #expect(pinnedRun.status == 0)
            #expect(!pinnedRun.stderr.contains("trusting"), "\(pinnedRun.stderr)")
        }
    }

    @Test("a directory at a day file's path is reported as a directory, not as a disk I/O error")
    func directoryAtDayPath() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let append = try BinaryRunner.run(["audit", "append", "--ledger", directory], stdin: Self.lines[0])
        #expect(append.status == 0, "\(append.stderr)")
        try FileManager.default.createDirectory(
            atPath: directory + "/ledger-2020-01-01.sqlite", withIntermediateDirectories: false)
        let verify = try BinaryRunner.run(["audit", "verify", "--ledger", directory])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("ledger-2020-01-01.sqlite is a directory"), "\(verify.stdout)")
        #expect(!verify.stdout.contains("disk I/O error"))
        let query = try BinaryRunner.run(["audit", "query", "--ledger", directory])
        #expect(query.stderr.contains("is a directory"), "\(query.stderr)")
    }
}
