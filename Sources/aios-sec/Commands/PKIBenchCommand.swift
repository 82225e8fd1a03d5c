import ArgumentParser
import Foundation
import PKI
import Secrets

/// `aios-sec bench pki`: issuing a leaf in-process (key pair, CSR, signature, the CA's state written durably)
/// against the OpenSSL command-line pipeline doing the same (genpkey, req, x509 -req), in the same run.
struct PKIBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki", abstract: "Leaf issuance in-process vs the openssl command-line pipeline.")

    @Option(help: "Leaves issued in-process.") var count = 500
    @Option(help: "Leaves issued through openssl (each is three processes).") var opensslCount = 30

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-bench-pki-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var material = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let source = try KeyFileKey(material: SecretBytes(consuming: &material))
        let authority = try CertificateAuthority.initialise(
            directory: directory + "/pki", vault: nil, keySource: source)
        let subject = try SPIFFEID(parsing: "spiffe://aios.local/agent/bench")

        var inProcess: [Double] = []
        var signOnly: [Double] = []
        for _ in 0..<count {
            let start = monotonicNanoseconds()
            let (_, request) = try WorkloadIdentity.request(for: subject)
            let signStart = monotonicNanoseconds()
            let issued = try authority.sign(request, identity: subject)
            _ = try issued.chainPEM
            let end = monotonicNanoseconds()
            inProcess.append(Double(end - start) / 1e6)
            signOnly.append(Double(end - signStart) / 1e6)
        }

        // The same with openssl, three processes per leaf, signing with an openssl-made P-256 CA (set up untimed;
        // our CA's keys never leave it).
        try command([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            directory + "/ca.key", "-subj", "/CN=bench CA", "-days", "2", "-out", directory + "/ca.pem",
        ])
        try
            "subjectAltName=URI:\(subject.uri)\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\n"
            .write(toFile: directory + "/ext.cnf", atomically: true, encoding: .utf8)
        var openssl: [Double] = []
        for index in 0..<opensslCount {
            let leafKey = directory + "/leaf\(index).key"
            let csr = directory + "/leaf\(index).csr"
            let start = monotonicNanoseconds()
            try command([
                "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", leafKey,
            ])
            try command(["openssl", "req", "-new", "-key", leafKey, "-subj", "/CN=bench", "-out", csr])
            try command([
                "openssl", "x509", "-req", "-in", csr, "-CA", directory + "/ca.pem", "-CAkey", directory + "/ca.key",
                "-days", "1", "-extfile", directory + "/ext.cnf", "-out", directory + "/leaf\(index).pem",
            ])
            openssl.append(Double(monotonicNanoseconds() - start) / 1e6)
        }
        let median = { (values: [Double]) -> Double in values.sorted()[values.count / 2] }
        let p99 = { (values: [Double]) -> Double in values.sorted()[min(values.count - 1, values.count * 99 / 100)] }
        print(
            String(
                format:
                    "PKI_RESULT in-process leaf (keygen + CSR + sign + durable CA state): median %.2f ms, p99 %.2f ms (n=%d)",
                median(inProcess), p99(inProcess), count))
        print(String(format: "PKI_RESULT   of which sign + state write: median %.2f ms", median(signOnly)))
        print(
            String(
                format: "PKI_RESULT openssl pipeline (genpkey | req | x509 -req, 3 processes): median %.1f ms (n=%d)",
                median(openssl), opensslCount))
        print(String(format: "PKI_RESULT ratio: in-process is %.0fx faster", median(openssl) / median(inProcess)))
    }

    private func command(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            printError("bench pki: \(arguments.prefix(2).joined(separator: " ")) failed")
            throw ExitStatus.software
        }
    }
}
