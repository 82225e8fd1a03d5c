import ArgumentParser
import Audit
import Foundation
import PKI
import Secrets
import X509

struct CACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "The internal CA: SPIFFE workload certificates for aios.local, rotation and revocation.",
        subcommands: [
            CAInitCommand.self, CAStatusCommand.self, CAIssueCommand.self, CASignCommand.self, CARenewCommand.self,
            CARevokeCommand.self, CAReinstateCommand.self, CARotateCommand.self, CABundleCommand.self,
            CACRLCommand.self,
        ]
    )
}

/// `--state-dir`, the vault holding intermediate keys at run time, the key that seals CA keys on disk, and the
/// ledger every change is recorded in.
struct CAOptions: ParsableArguments {
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var vault: VaultOptions
    @Option(help: "Seal/unseal CA keys with a passphrase read from this file (else AIOS_PASSPHRASE or a prompt).")
    var passphraseFile: String?
    @Option(help: "Seal/unseal CA keys with this key file (at least 32 bytes) instead of a passphrase.")
    var keyFile: String?

    var directory: String { ledger.state.resolved + "/pki" }

    func keySource(confirm: Bool) throws -> any SealingKeySource {
        try KeySourceOptions(passphraseFile: passphraseFile, keyFile: keyFile).source(confirm: confirm)
    }

    /// Opens the CA; the key source is asked for only if a sealed key has to be opened.
    func open() throws -> CertificateAuthority {
        let vault = try self.vault.open()
        let options = self
        return try pkiCall { () throws(PKIError) in
            try CertificateAuthority.open(directory: directory, vault: vault) { () throws(PKIError) in
                do {
                    return try options.keySource(confirm: false)
                } catch {
                    throw PKIError(.key, "no key to unseal the CA's keys")
                }
            }
        }
    }

    /// Runs a CA operation; a refusal or failure is recorded in the ledger too (then printed, exit status as
    /// `pkiCall`), so every attempt to get or revoke a certificate leaves a trace.
    func recorded<T>(_ action: String, target: String, _ body: () throws(PKIError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            let result: AuditResult = error.code == .revoked || error.code == .identity ? .denied : .failure
            try audit(action, target: target, result: result, details: [("reason", .string(error.message))])
            printError("ca: \(error)")
            throw exitStatus(for: error)
        }
    }

    func audit(_ action: String, target: String, result: AuditResult = .success, details: [(String, JSONValue)])
        throws
    {
        try AuditTrail.record(
            [
                AuditDraft(
                    eventType: .certificate, agent: "aios-sec", action: action, target: target, result: result,
                    riskLevel: .high, details: .object(details.map { (key: $0.0, value: $0.1) }))
            ], ledger: ledger.resolved)
    }
}

/// Runs a PKI call; its error is printed and becomes the exit status (65 bad request, 77 revoked, 69 otherwise).
func pkiCall<T>(_ body: () throws(PKIError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("ca: \(error)")
        throw exitStatus(for: error)
    }
}

func exitStatus(for error: PKIError) -> ExitCode {
    switch error.code {
    case .identity, .request: ExitStatus.dataError
    case .revoked, .expired: ExitStatus.noPermission
    case .state, .io, .key: ExitStatus.unavailable
    }
}

struct CAInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the root CA (10 years, name-constrained) and a first 30-day intermediate.",
        discussion: """
            The root constrains every name the CA can certify: SPIFFE URIs to aios.local, and host names to the \
            loopback (localhost, 127.0.0.0/8, ::1) plus each --permit-host. The constraints are fixed in the root: \
            to certify other hosts later, create a new CA.
            """)

    @OptionGroup var options: CAOptions

    @Option(
        name: .customLong("permit-host"),
        help: "A DNS name (with the names below it), IP address or address/prefix the CA may certify (repeatable).")
    var permitHosts: [String] = []

    func run() throws {
        try refuseCoreDumps()
        let hosts = try pkiCall { () throws(PKIError) in try PermittedHosts(adding: permitHosts) }
        let source = try options.keySource(confirm: true)
        let vault = try options.vault.open()
        let directory = options.directory
        let authority = try pkiCall { () throws(PKIError) in
            try CertificateAuthority.initialise(directory: directory, vault: vault, keySource: source, hosts: hosts)
        }
        try options.audit(
            "ca.init", target: "spiffe://aios.local",
            details: [
                ("root_serial", .string(authority.root.serialNumber.hex)),
                ("intermediate_serial", .string(authority.currentIntermediate.serialNumber.hex)),
                ("permitted_hosts", .string(hosts.description)),
            ])
        print(
            "created the CA in \(directory): root \(authority.root.serialNumber.hex), intermediate "
                + "\(authority.currentIntermediate.serialNumber.hex); it may certify hosts \(hosts.description)")
    }
}

struct CAStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Root, intermediates, issued and revoked certificates.")

    @OptionGroup var options: CAOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        struct Certificate: Encodable {
            let serial: String
            let subject: String
            let notAfter: String
        }
        let root: Certificate
        let intermediates: [Certificate]
        let currentIntermediate: String
        let intermediateRotationDue: String
        let issued: Int
        let revoked: [String]
        let deniedIdentities: [String]
        let bundle: String
        let crl: String
    }

    func run() throws {
        let authority = try options.open()
        func describe(_ certificate: X509.Certificate) -> Report.Certificate {
            .init(
                serial: certificate.serialNumber.hex, subject: "\(certificate.subject)",
                notAfter: ISO8601DateFormatter().string(from: certificate.notValidAfter))
        }
        let bundle = authority.trustBundle()
        let report = Report(
            root: describe(authority.root), intermediates: bundle.dropFirst().map(describe),
            currentIntermediate: authority.currentIntermediate.serialNumber.hex,
            intermediateRotationDue: ISO8601DateFormatter().string(from: authority.intermediateRotationDue),
            issued: try pkiCall { () throws(PKIError) in try authority.issuedCount() },
            revoked: authority.revoked.map(\.serial),
            deniedIdentities: authority.deniedIdentities, bundle: options.directory + "/bundle.pem",
            crl: options.directory + "/crl.pem")
        if output.json {
            try printJSON(report)
            return
        }
        print("root          \(report.root.serial)  until \(report.root.notAfter)  \(report.root.subject)")
        for intermediate in report.intermediates {
            let marker = intermediate.serial == report.currentIntermediate ? "current" : "overlap"
            print("intermediate  \(intermediate.serial)  until \(intermediate.notAfter)  (\(marker))")
        }
        print("next intermediate rotation  \(report.intermediateRotationDue)")
        print(
            "issued \(report.issued), revoked \(report.revoked.count), denied identities \(report.deniedIdentities.count)"
        )
        print("bundle \(report.bundle)\ncrl    \(report.crl)")
    }
}

struct CABundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Print the trust bundle (PEM): the root and every live intermediate.")

    @OptionGroup var options: CAOptions

    func run() throws {
        let authority = try options.open()
        print(try pkiCall { () throws(PKIError) in try authority.trustBundlePEM() }, terminator: "")
    }
}

struct CACRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl", abstract: "Print the CRLs (PEM), one per live intermediate, for tools like openssl.")

    @OptionGroup var options: CAOptions

    func run() throws {
        _ = try options.open()
        guard let data = FileManager.default.contents(atPath: options.directory + "/crl.pem") else {
            printError("ca crl: cannot read \(options.directory)/crl.pem")
            throw ExitStatus.unavailable
        }
        FileHandle.standardOutput.write(data)
    }
}

struct CARotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace the issuing intermediate (now, or with --due only when its 30 days are up).",
        discussion: "The previous intermediate stays in the trust bundle while certificates it issued are valid.")

    @OptionGroup var options: CAOptions
    @Flag(help: "Only when the rotation is due.") var due = false

    func run() throws {
        try refuseCoreDumps()
        let authority = try options.open()
        let previous = authority.currentIntermediate.serialNumber.hex
        let onlyIfDue = due
        let rotated = try pkiCall { () throws(PKIError) in
            if onlyIfDue { return try authority.rotateIntermediateIfDue() }
            try authority.rotateIntermediate()
            return true
        }
        guard rotated else {
            print(
                "not due: the intermediate rotates after \(ISO8601DateFormatter().string(from: authority.intermediateRotationDue))"
            )
            return
        }
        let current = authority.currentIntermediate.serialNumber.hex
        try options.audit(
            "ca.rotate", target: "spiffe://aios.local",
            details: [("previous_serial", .string(previous)), ("intermediate_serial", .string(current))])
        print("intermediate \(current) now issues; \(previous) stays in the bundle while its certificates are valid")
    }
}
