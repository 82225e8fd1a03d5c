import Foundation
import Testing

@Suite("Secret values never reach disk, logs or error texts")
struct SecretsCanaryTests {
    static let canaries = ["sk-ant-CANARY-51f0", "sk-oai-CANARY-77ab", "sk-ROTATED-CANARY-c3d9", "leak-CANARY-e4e1"]

    @Test(
        "seal, load, exec as an agent, rotate (failing and working sources), list: no canary in the state dir or any output of aios-sec"
    )
    func canary() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aios-canary-\(UUID().uuidString)"
        )
        .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = directory + "/state"
        let vault = "aios:vault:test-\(UUID().uuidString)"
        defer { _ = try? BinaryRunner.run(["secrets", "forget", "--vault", vault]) }
        try script(directory + "/leaky", "echo \(Self.canaries[3]); echo \(Self.canaries[3]) >&2; exit 3")
        try script(directory + "/fresh", "echo \(Self.canaries[2])")
        try """
        reader:
          capabilities: [secret:read:anthropic-api-key]
        secrets:
          anthropic-api-key:
            rotate_every: 1d
            source: {command: [\(directory)/fresh]}
            grace: 5m
          openai-api-key:
            rotate_every: 1d
            source: {command: [\(directory)/leaky]}
        """.write(toFile: directory + "/policy.yaml", atomically: true, encoding: .utf8)
        let common = ["--vault", vault, "--state-dir", state, "--policy", directory + "/policy.yaml"]
        var outputs: [BinaryRunner.Output] = []
        func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws
            -> BinaryRunner.Output
        {
            let output = try BinaryRunner.run(arguments, stdin: stdin, environment: environment)
            outputs.append(output)
            return output
        }
        let passphrase = ["AIOS_PASSPHRASE": "canary-test-passphrase"]
        let sealed = directory + "/secrets.enc"
        _ = try run(
            ["secrets", "seal", "--in", "-", "--out", sealed],
            stdin: "anthropic-api-key=\(Self.canaries[0])\nopenai-api-key=\(Self.canaries[1])\n",
            environment: passphrase)
        let wrong = try run(
            ["secrets", "load", "--file", sealed, "--vault", vault], environment: ["AIOS_PASSPHRASE": "wrong"])
        #expect(wrong.status == 65)
        let load = try run(["secrets", "load", "--file", sealed, "--vault", vault], environment: passphrase)
        #expect(load.status == 0, "\(load.stderr)")
        if geteuid() == 0 {
            let exec = try run(
                ["secrets", "exec", "--agent", "reader"] + common
                    + ["--", "sh", "-c", "keyctl print %user:aios:secret:anthropic-api-key >/dev/null && echo read-ok"])
            #expect(exec.stdout == "read-ok\n", "\(exec.stderr)")
            let listed = try run(["secrets", "list", "--json", "--vault", vault])
            #expect(
                listed.stdout.contains("\"agent_copies\":[\"reader\"],\"name\":\"anthropic-api-key\""),
                "\(listed.stdout)")
            #expect(listed.stdout.contains("\"agent_copies\":[],\"name\":\"openai-api-key\""))
        } else if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("needs root: secrets exec runs the agent as its own uid")
        }
        let due = try run(["secrets", "rotate", "--due"] + common)
        #expect(due.status == 69, "the leaky source fails")
        #expect(due.stderr.contains("rotation command \(directory)/leaky failed (status 3)"))
        #expect(due.stdout.contains("rotated anthropic-api-key"))
        let list = try run(["secrets", "list", "--vault", vault])
        #expect(list.stdout.contains("anthropic-api-key@previous"), "the grace value is kept (5m)")
        // A vault secret sealed for the next boot, straight from the keyring.
        let backup = directory + "/backup.enc"
        let sealedBackup = try run(
            ["secrets", "seal", "--from-vault", "anthropic-api-key", "--vault", vault, "--out", backup],
            environment: passphrase)
        #expect(sealedBackup.status == 0, "\(sealedBackup.stderr)")
        let otherVault = "aios:vault:test-\(UUID().uuidString)"
        defer { _ = try? BinaryRunner.run(["secrets", "forget", "--vault", otherVault]) }
        #expect(
            try run(["secrets", "load", "--file", backup, "--vault", otherVault], environment: passphrase).status == 0)
        #expect(try run(["secrets", "list", "--vault", otherVault]).stdout == "anthropic-api-key\n")
        let audit = try run(["audit", "query", "--state-dir", state, "--type", "secret_rotation", "--json"])
        #expect(audit.stdout.split(separator: "\n").count == 2, "one success and one failure are audited")
        #expect(try run(["audit", "verify", "--state-dir", state]).status == 0)

        for canary in Self.canaries {
            for output in outputs {
                #expect(!output.stdout.contains(canary) && !output.stderr.contains(canary), "\(canary) printed")
            }
            for file in try files(under: state) {
                let contents = try Data(contentsOf: URL(fileURLWithPath: file))
                #expect(contents.range(of: Data(canary.utf8)) == nil, "\(canary) found in \(file)")
            }
        }
    }

    private func script(_ path: String, _ body: String) throws {
        try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    private func files(under directory: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(path)
            }
        }
        #expect(!found.isEmpty, "the state directory holds the ledger and the rotation record")
        return found
    }
}
