import Foundation
import Testing

@Suite("aios-sec ca")
struct CACLITests {
    @Test("init, issue, verify with openssl, refuse a foreign identity, revoke, renew, bundle — each audited")
    func lifecycle() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-ca-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vault = "aios:vault:test-\(UUID().uuidString)"
        defer { _ = try? BinaryRunner.run(["secrets", "forget", "--vault", vault]) }
        try Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).write(
            to: URL(fileURLWithPath: directory + "/seal.key"))
        let state = directory + "/state"
        let common = ["--state-dir", state, "--vault", vault, "--key-file", directory + "/seal.key"]

        let initialised = try BinaryRunner.run(["ca", "init"] + common)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(try BinaryRunner.run(["ca", "init"] + common).status == 69, "a second init is refused")
        let issued = try BinaryRunner.run(
            ["ca", "issue", "--identity", "spiffe://aios.local/agent/aios-agent-system", "--out", directory + "/id"]
                + common)
        #expect(issued.status == 0, "\(issued.stderr)")
        let keyMode = try FileManager.default.attributesOfItem(atPath: directory + "/id/key.pem")[.posixPermissions]
        #expect(keyMode as? Int == 0o600)
        let verify = [
            "openssl", "verify", "-crl_check", "-CRLfile", state + "/pki/crl.pem", "-CAfile", state + "/pki/root.pem",
            "-untrusted", directory + "/id/cert.pem", directory + "/id/cert.pem",
        ]
        #expect(try run(verify).status == 0)

        let foreign = try BinaryRunner.run(
            ["ca", "issue", "--identity", "spiffe://evil.example/agent/x", "--out", directory + "/bad"] + common)
        #expect(foreign.status == 65)
        #expect(foreign.stderr.contains("outside the trust domain aios.local"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/bad"))

        let bundle = try BinaryRunner.run(["ca", "bundle"] + common)
        #expect(bundle.stdout.components(separatedBy: "BEGIN CERTIFICATE").count == 3, "root and intermediate")
        let notDue = try BinaryRunner.run(["ca", "renew", "--dir", directory + "/id"] + common)
        #expect(notDue.stdout.hasPrefix("not due"))
        let serial = try run(["openssl", "x509", "-in", directory + "/id/cert.pem", "-noout", "-serial"]).output
            .split(separator: "=")[1].trimmingCharacters(in: .whitespacesAndNewlines)
        let renewed = try BinaryRunner.run(["ca", "renew", "--dir", directory + "/id", "--force"] + common)
        #expect(renewed.status == 0, "\(renewed.stderr)")
        #expect(try run(verify).status == 0, "the renewed certificate verifies")

        let revoke = try BinaryRunner.run(["ca", "revoke", serial, "--reason", "test"] + common)
        #expect(revoke.status == 0, "\(revoke.stderr)")
        let status = try BinaryRunner.run(["ca", "status", "--json"] + common)
        #expect(status.stdout.contains("\"revoked\":[\"\(serial.lowercased())\"]"), "\(status.stdout)")

        let audit = try BinaryRunner.run(["audit", "query", "--state-dir", state, "--type", "certificate", "--json"])
        let lines = audit.stdout.split(separator: "\n")
        #expect(lines.count == 5, "init, issue, refused issue, renew, revoke: \(audit.stdout)")
        #expect(lines.contains { $0.contains("\"result\":\"denied\"") && $0.contains("evil.example") })
    }

    @Test("ca issue --host outside the names fixed at ca init is refused; --permit-host widens them at creation")
    func hostNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-ca-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vault = "aios:vault:test-\(UUID().uuidString)"
        defer { _ = try? BinaryRunner.run(["secrets", "forget", "--vault", vault]) }
        try Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).write(
            to: URL(fileURLWithPath: directory + "/seal.key"))
        let common = ["--state-dir", directory + "/state", "--vault", vault, "--key-file", directory + "/seal.key"]
        let initialised = try BinaryRunner.run(["ca", "init", "--permit-host", "svc.internal"] + common)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        func issue(_ host: String) throws -> BinaryRunner.Output {
            try BinaryRunner.run(
                [
                    "ca", "issue", "--identity", "spiffe://aios.local/service/web", "--host", host, "--out",
                    directory + "/id-\(host)",
                ] + common)
        }
        let evil = try issue("evil.example.com")
        #expect(evil.status == 65)
        #expect(evil.stderr.contains("evil.example.com is outside the names this CA may certify"), "\(evil.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/id-evil.example.com"))
        for host in ["localhost", "127.0.0.1", "api.svc.internal"] {
            let issued = try issue(host)
            #expect(issued.status == 0, "\(host): \(issued.stderr)")
        }
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
