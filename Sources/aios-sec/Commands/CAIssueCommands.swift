import ArgumentParser
import Audit
import Capabilities
import Foundation
import PKI
import X509

/// `--lifetime` and `--host`: what a workload certificate carries besides its identity.
struct LeafOptions: ParsableArguments {
    @Option(help: "Lifetime (e.g. 24h, 7d; at most 30d). Default 24h.") var lifetime: String?
    @Option(name: .customLong("host"), help: "A DNS name or IP address the holder serves on (repeatable).")
    var hosts: [String] = []

    func parsed() throws -> (lifetime: TimeInterval?, hosts: [HostName]) {
        var seconds: TimeInterval? = nil
        if let lifetime {
            do {
                seconds = TimeInterval(try GrantDuration(parsing: lifetime).milliseconds / 1000)
            } catch {
                printError("ca: --lifetime: \(error)")
                throw ExitStatus.usage
            }
        }
        let hosts = try pkiCall { () throws(PKIError) in
            try self.hosts.map { text throws(PKIError) in try HostName(parsing: text) }
        }
        return (seconds, hosts)
    }
}

func auditDetails(_ issued: IssuedCertificate) -> [(String, JSONValue)] {
    [
        ("serial", .string(issued.serial)), ("issuer_serial", .string(issued.intermediate.serialNumber.hex)),
        ("not_after", .string(ISO8601DateFormatter().string(from: issued.notAfter))),
    ]
}

struct CAIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Make a key pair and certificate for an identity into DIR (key.pem 0600, cert.pem, bundle.pem).",
        discussion: """
            The key is generated here, as the holder, and only a CSR goes to the CA. The identity is
            spiffe://aios.local/{agent|service|operator}/NAME; anything outside aios.local is refused.
            """)

    @Option(help: "The SPIFFE ID.") var identity: String
    @Option(help: "The identity directory to write.") var out: String
    @OptionGroup var leaf: LeafOptions
    @OptionGroup var options: CAOptions

    func run() throws {
        try refuseCoreDumps()
        let subject = try options.recorded("cert.issue", target: identity) { () throws(PKIError) in
            try SPIFFEID(parsing: identity)
        }
        let (lifetime, hosts) = try leaf.parsed()
        let authority = try options.open()
        let holder = WorkloadIdentity(directory: out)
        let issued = try options.recorded("cert.issue", target: subject.uri) { () throws(PKIError) in
            let (key, request) = try WorkloadIdentity.request(for: subject)
            let issued = try authority.sign(request, identity: subject, lifetime: lifetime, hostNames: hosts)
            try holder.store(key: key, issued: issued, bundlePEM: try authority.trustBundlePEM())
            return issued
        }
        try options.audit("cert.issue", target: subject.uri, details: auditDetails(issued))
        print(
            "issued \(subject) serial \(issued.serial) until \(ISO8601DateFormatter().string(from: issued.notAfter)) into \(out)"
        )
    }
}

struct CASignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a CSR made elsewhere (PEM); prints the chain (certificate, then intermediate).",
        discussion: "The identity is the CSR's spiffe:// URI SAN, or --identity; if both are given they must agree.")

    @Option(help: "The CSR file (PEM), or - for stdin.") var csr: String
    @Option(help: "The SPIFFE ID (when the CSR names none).") var identity: String?
    @OptionGroup var leaf: LeafOptions
    @OptionGroup var options: CAOptions

    func run() throws {
        let text: String
        if csr == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: csr) else {
                printError("ca sign: cannot read \(csr)")
                throw ExitStatus.dataError
            }
            text = String(decoding: data, as: UTF8.self)
        }
        let request: CertificateSigningRequest
        do {
            request = try CertificateSigningRequest(pemEncoded: text)
        } catch {
            printError("ca sign: \(csr): not a PEM certificate request (\(error))")
            throw ExitStatus.dataError
        }
        let given = try identity.map { uri in
            try options.recorded("cert.issue", target: uri) { () throws(PKIError) in try SPIFFEID(parsing: uri) }
        }
        let (lifetime, hosts) = try leaf.parsed()
        let authority = try options.open()
        let issued = try options.recorded("cert.issue", target: identity ?? "(from the CSR)") { () throws(PKIError) in
            try authority.sign(request, identity: given, lifetime: lifetime, hostNames: hosts)
        }
        try options.audit("cert.issue", target: issued.identity.uri, details: auditDetails(issued))
        print(try pkiCall { () throws(PKIError) in try CertificateAuthorityPEM.chain(issued) }, terminator: "")
    }
}

struct CARenewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Renew an identity directory's certificate with a new key pair, if due (2/3 of its life) or --force.",
        discussion: "A revoked identity is not renewed. Exits 0 and says so when nothing is due.")

    @Option(help: "The identity directory (as written by `ca issue`).") var dir: String
    @Flag(help: "Renew even if not yet due.") var force = false
    @OptionGroup var leaf: LeafOptions
    @OptionGroup var options: CAOptions

    func run() throws {
        try refuseCoreDumps()
        let holder = WorkloadIdentity(directory: dir)
        let current = try pkiCall { () throws(PKIError) in try holder.certificate() }
        let due = try force || pkiCall { () throws(PKIError) in try holder.needsRenewal() }
        guard due else {
            print(
                "not due: \(dir)/cert.pem is valid until \(ISO8601DateFormatter().string(from: current.notValidAfter))")
            return
        }
        guard let uri = current.uriNames.first else {
            printError("ca renew: \(holder.certificatePath) has no identity")
            throw ExitStatus.dataError
        }
        let subject = try pkiCall { () throws(PKIError) in try SPIFFEID(parsing: uri) }
        let (lifetime, hosts) = try leaf.parsed()
        let authority = try options.open()
        let issued = try options.recorded("cert.renew", target: subject.uri) { () throws(PKIError) in
            if let reason = authority.denyList().reason(for: current) {
                throw PKIError(.revoked, "not renewed: \(reason)")
            }
            let (key, request) = try WorkloadIdentity.request(for: subject)
            let issued = try authority.sign(request, identity: subject, lifetime: lifetime, hostNames: hosts)
            try holder.store(key: key, issued: issued, bundlePEM: try authority.trustBundlePEM())
            return issued
        }
        try options.audit(
            "cert.renew", target: subject.uri,
            details: auditDetails(issued) + [("previous_serial", .string(current.serialNumber.hex))])
        print(
            "renewed \(subject): serial \(issued.serial) until \(ISO8601DateFormatter().string(from: issued.notAfter))")
    }
}

struct CARevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a certificate by serial, or every certificate of an identity (--identity).",
        discussion:
            "The CRL (crl.pem) and the deny-list are updated at once; a revoked identity gets no new certificate.")

    @Argument(help: "The serial (hex).") var serial: String?
    @Option(help: "Revoke this identity as a whole instead.") var identity: String?
    @Option(help: "Why (recorded in the ledger).") var reason = "unspecified"
    @OptionGroup var options: CAOptions

    func validate() throws {
        guard (serial == nil) != (identity == nil) else { throw ValidationError("give a SERIAL or --identity") }
    }

    func run() throws {
        let authority = try options.open()
        let why = reason
        if let serial {
            let revoked = try options.recorded("cert.revoke", target: serial) { () throws(PKIError) in
                try authority.revoke(serial: serial, reason: why)
            }
            try options.audit(
                "cert.revoke", target: revoked.identity,
                details: [("serial", .string(serial.lowercased())), ("reason", .string(why))])
            print("revoked \(serial) (\(revoked.identity))")
        } else if let identity {
            let subject = try pkiCall { () throws(PKIError) in try SPIFFEID(parsing: identity) }
            let serials = try pkiCall { () throws(PKIError) in try authority.revoke(identity: subject, reason: why) }
            try options.audit(
                "cert.revoke", target: subject.uri,
                details: [("serials", .array(serials.map { .string($0) })), ("reason", .string(why))])
            print("revoked \(subject): \(serials.count) certificate(s); no new ones will be issued")
        }
    }
}

struct CAReinstateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reinstate", abstract: "Allow new certificates for an identity revoked with --identity.")

    @Option(help: "The SPIFFE ID.") var identity: String
    @OptionGroup var options: CAOptions

    func run() throws {
        let subject = try pkiCall { () throws(PKIError) in try SPIFFEID(parsing: identity) }
        let authority = try options.open()
        try pkiCall { () throws(PKIError) in try authority.reinstate(identity: subject) }
        try options.audit("cert.reinstate", target: subject.uri, details: [])
        print("reinstated \(subject)")
    }
}

enum CertificateAuthorityPEM {
    static func chain(_ issued: IssuedCertificate) throws(PKIError) -> String {
        do {
            return try issued.chainPEM
        } catch {
            throw PKIError(.io, "cannot encode the chain: \(error)")
        }
    }
}
