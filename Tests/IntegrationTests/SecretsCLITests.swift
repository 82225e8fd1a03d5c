import Foundation
import Testing

@Suite("aios-sec secrets seal")
struct SecretsCLITests {
    static let canary = "sk-CANARY-0b7c4e21"

    @Test(
        "seals NAME=VALUE lines with a passphrase from a file or the environment; the file is 0600 and holds no clear text"
    )
    func seal() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-seal-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "hunter2-long-passphrase\n".write(toFile: directory + "/pass", atomically: true, encoding: .utf8)
        let plaintext = "anthropic-api-key=\(Self.canary)\n# comment\n\ndb.password=p@ss=word\n"
        let output = try BinaryRunner.run(
            [
                "secrets", "seal", "--in", "-", "--out", directory + "/secrets.enc", "--passphrase-file",
                directory + "/pass",
            ],
            stdin: plaintext)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout == "sealed 2 secret(s) into \(directory)/secrets.enc\n")
        let sealed = try #require(FileManager.default.contents(atPath: directory + "/secrets.enc"))
        #expect(sealed.prefix(8) == Data("AIOSSEAL".utf8))
        #expect(sealed.range(of: Data(Self.canary.utf8)) == nil)
        let mode =
            try FileManager.default.attributesOfItem(atPath: directory + "/secrets.enc")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!output.stdout.contains(Self.canary) && !output.stderr.contains(Self.canary))
    }

    @Test("a bad line is rejected with its number and without echoing any value; no passphrase source is a usage error")
    func badInput() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("aios-seal-\(UUID().uuidString).enc")
            .path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let bad = try BinaryRunner.run(
            ["secrets", "seal", "--in", "-", "--out", out], stdin: "ok=\(Self.canary)\nno equals sign here\n")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("line 2: expected NAME=VALUE"))
        #expect(!bad.stderr.contains(Self.canary))
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}

@Suite("aios-sec secrets load, list, forget")
struct SecretsLoadCLITests {
    @Test("load puts every secret into the keyring vault and destroys the file; a wrong passphrase leaves it alone")
    func load() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-load-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vault = "aios:vault:test-\(UUID().uuidString)"
        defer { _ = try? BinaryRunner.run(["secrets", "forget", "--vault", vault]) }
        try "right-passphrase\n".write(toFile: directory + "/pass", atomically: true, encoding: .utf8)
        try "wrong-passphrase\n".write(toFile: directory + "/wrong", atomically: true, encoding: .utf8)
        let file = directory + "/secrets.enc"
        let seal = try BinaryRunner.run(
            ["secrets", "seal", "--in", "-", "--out", file, "--passphrase-file", directory + "/pass"],
            stdin: "anthropic-api-key=sk-CANARY-9\ndb.password=pw\n")
        #expect(seal.status == 0)
        let wrong = try BinaryRunner.run([
            "secrets", "load", "--file", file, "--passphrase-file", directory + "/wrong", "--vault", vault,
        ])
        #expect(wrong.status == 65)
        #expect(FileManager.default.fileExists(atPath: file), "a failed load leaves the file untouched")
        let load = try BinaryRunner.run([
            "secrets", "load", "--file", file, "--passphrase-file", directory + "/pass", "--vault", vault,
        ])
        #expect(load.status == 0, "\(load.stderr)")
        #expect(!FileManager.default.fileExists(atPath: file), "the sealed file is destroyed after loading")
        let list = try BinaryRunner.run(["secrets", "list", "--vault", vault])
        #expect(list.stdout == "anthropic-api-key\ndb.password\n")
        // Asked of the kernel by a child with the CLI's own credentials (one /proc/keys snapshot taken in this
        // process missed the vault under the full suite's load): type;uid;gid;perm;description.
        let described = try BinaryRunner.run(
            executable: "/bin/sh", ["-c", "keyctl rdescribe \"$(keyctl search @u keyring '\(vault)')\""])
        #expect(described.stdout.hasSuffix(";3f000000;\(vault)\n"), "\(described.stdout)\(described.stderr)")
        #expect(!(load.stdout + load.stderr + list.stdout).contains("sk-CANARY-9"))
    }
}
