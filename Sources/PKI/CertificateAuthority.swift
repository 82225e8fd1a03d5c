import Crypto
import Foundation
import Secrets
import SwiftASN1
import X509

/// The internal CA: a name-constrained root that only signs issuing intermediates, an intermediate rotated every
/// 30 days that signs workload certificates from CSRs, revocation (CRLs for outside tools, a deny-list for our own
/// verifiers), and the trust bundle. State lives in `STATE/pki` (see ``PKIFiles``); the root key and every
/// intermediate key are on disk only sealed (the `secrets.enc` format); at run time the intermediate keys are held
/// in the keyring vault, and the root key is unsealed only to sign a new intermediate.
public final class CertificateAuthority {
    public let lifetimes: CALifetimes
    public private(set) var root: Certificate
    let files: PKIFiles
    var state: CAState
    let vault: KeyringVault?
    let keySource: () throws(PKIError) -> any SealingKeySource
    /// Intermediate certificates and (once needed) keys, by serial.
    var intermediates: [String: Certificate] = [:]
    var issuingKeys: [String: P256.Signing.PrivateKey] = [:]

    public static func exists(in directory: String) -> Bool {
        FileManager.default.fileExists(atPath: PKIFiles(directory: directory).state)
    }

    init(
        files: PKIFiles, lifetimes: CALifetimes, root: Certificate, state: CAState, vault: KeyringVault?,
        keySource: @escaping () throws(PKIError) -> any SealingKeySource
    ) {
        self.files = files
        self.lifetimes = lifetimes
        self.root = root
        self.state = state
        self.vault = vault
        self.keySource = keySource
    }

    // MARK: Creating and opening

    /// First boot: a root and a first intermediate. Refuses to overwrite an existing CA. `hosts` are the DNS names
    /// and IP addresses it may ever certify, fixed in the root's name constraints.
    public static func initialise(
        directory: String, lifetimes: CALifetimes = CALifetimes(), vault: KeyringVault?,
        keySource: any SealingKeySource, hosts: PermittedHosts = .loopback, now: Date = Date()
    ) throws(PKIError) -> CertificateAuthority {
        let files = PKIFiles(directory: directory)
        try files.createDirectories()
        return try files.locked { () throws(PKIError) in
            guard !exists(in: directory) else { throw PKIError(.state, "a CA already exists in \(directory)") }
            let rootKey = P256.Signing.PrivateKey()
            let root = try build {
                try CertificateProfiles.root(
                    key: rootKey, validity: (now - lifetimes.backdate)...(now + lifetimes.root), hosts: hosts)
            }
            try seal(rootKey, name: "root-key", to: files.rootKey, with: keySource)
            try PKIFiles.writeAtomically(Array(try pem(root).utf8), to: files.rootCertificate, mode: 0o644)
            var placeholder = CAState(root: root.serialNumber.hex, current: "", intermediates: [])
            placeholder.permittedRanges = hosts.rangeTexts
            let authority = CertificateAuthority(
                files: files, lifetimes: lifetimes, root: root, state: placeholder, vault: vault,
                keySource: { keySource })
            try authority.addIntermediate(signedBy: rootKey, now: now)
            return authority
        }
    }

    /// Opens an existing CA. `keySource` is asked for only when a sealed key must be opened (an intermediate key
    /// not in the vault, or the root key for a rotation).
    public static func open(
        directory: String, lifetimes: CALifetimes = CALifetimes(), vault: KeyringVault?,
        keySource: @escaping () throws(PKIError) -> any SealingKeySource
    ) throws(PKIError) -> CertificateAuthority {
        let files = PKIFiles(directory: directory)
        guard exists(in: directory) else {
            throw PKIError(.state, "no CA in \(directory) (run `aios-sec ca init` first)")
        }
        let state = try CAState.decode(try files.read(files.state), path: files.state)
        let root = try certificate(at: files.rootCertificate)
        let authority = CertificateAuthority(
            files: files, lifetimes: lifetimes, root: root, state: state, vault: vault, keySource: keySource)
        for intermediate in state.intermediates {
            authority.intermediates[intermediate.serial] = try certificate(
                at: files.intermediateCertificate(intermediate.serial))
        }
        guard authority.intermediates[state.current] != nil else {
            throw PKIError(.state, "\(files.state): the current intermediate \(state.current) is missing")
        }
        return authority
    }

    // MARK: What it holds

    public var currentIntermediate: Certificate { intermediates[state.current]! }

    /// The DNS names and IP addresses this CA may certify: DNS names as its root constrains them, IP ranges as its
    /// state records them. A CA made before host constraints existed may certify the loopback only.
    public var permittedHosts: PermittedHosts {
        get throws(PKIError) {
            let domains = try PermittedHosts.domains(constrainedBy: root)
            var ranges = PermittedHosts.loopback.ranges
            if let texts = state.permittedRanges {
                ranges = try texts.map { text throws(PKIError) in try PermittedHosts.range(parsing: text) }
            }
            return PermittedHosts(domains: domains.isEmpty ? PermittedHosts.loopback.domains : domains, ranges: ranges)
        }
    }

    /// Root plus every intermediate a valid certificate may chain to (old ones during the overlap).
    public func trustBundle(at now: Date = Date()) -> [Certificate] {
        [root] + state.liveIntermediates(at: now).compactMap { intermediates[$0.serial] }
    }

    public func trustBundlePEM(at now: Date = Date()) throws(PKIError) -> String {
        try trustBundle(at: now).map { certificate throws(PKIError) in try Self.pem(certificate) }.joined()
    }

    /// When the current intermediate hands over to a new one.
    public var intermediateRotationDue: Date {
        state.intermediates.first { $0.serial == state.current }!.rotateAfter
    }

    /// How many certificates this CA has signed.
    public func issuedCount() throws(PKIError) -> Int { try files.issued.records().count }
    public var revoked: [(serial: String, identity: String, revokedAt: Date)] {
        state.revoked.map { ($0.serial, $0.identity, $0.revokedAt) }
    }
    public var deniedIdentities: [String] { state.deniedIdentities }

    /// A deny-list with everything revoked so far, for in-process verifiers.
    public func denyList() -> DenyList {
        DenyList(serials: Set(state.revoked.map(\.serial)), identities: Set(state.deniedIdentities))
    }

    // MARK: Helpers shared by the operations

    static func build<T>(_ body: () throws -> T) throws(PKIError) -> T {
        do {
            return try body()
        } catch let error as PKIError {
            throw error
        } catch {
            throw PKIError(.request, "cannot build the certificate: \(error)")
        }
    }

    static func pem(_ certificate: Certificate) throws(PKIError) -> String {
        try build { try certificate.serializeAsPEM().pemString + "\n" }
    }

    /// The first certificate of a PEM file (a chain file starts with its leaf).
    static func certificate(at path: String) throws(PKIError) -> Certificate {
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) })
        else { throw PKIError(.state, "cannot read \(path)") }
        do {
            guard let first = try PEMDocument.parseMultiple(pemString: text).first else {
                throw PKIError(.state, "\(path): no certificate in it")
            }
            return try Certificate(pemDocument: first)
        } catch let error as PKIError {
            throw error
        } catch {
            throw PKIError(.state, "\(path): not a PEM certificate (\(error))")
        }
    }

    static func seal(
        _ key: P256.Signing.PrivateKey, name: String, to path: String, with source: any SealingKeySource
    ) throws(PKIError) {
        var raw = Array(key.rawRepresentation)
        let secret = SecretBytes(consuming: &raw)
        do {
            let sealed = try SealedFile.seal([(name, secret)], with: source)
            try PKIFiles.writeAtomically(sealed, to: path, mode: 0o600)
        } catch let error as SecretsError {
            throw PKIError(.key, "cannot seal \(path): \(error)")
        } catch {
            throw PKIError(.key, "cannot seal \(path)")
        }
    }

    func unseal(_ path: String) throws(PKIError) -> P256.Signing.PrivateKey {
        let source = try keySource()
        do {
            let secrets = try SealedFile.open(Array(try files.read(path)), with: source)
            guard let secret = secrets.first, secrets.count == 1 else { throw PKIError(.key, "\(path) holds no key") }
            return try P256.Signing.PrivateKey(rawRepresentation: secret.value.withUnsafeBytes { Data($0) })
        } catch let error as PKIError {
            throw error
        } catch let error as SecretsError {
            throw PKIError(.key, "cannot open \(path): \(error)")
        } catch {
            throw PKIError(.key, "\(path) does not hold a P-256 key")
        }
    }

    /// The key of an intermediate: from memory, else the vault, else its sealed file (then kept in the vault).
    func issuingKey(_ serial: String) throws(PKIError) -> P256.Signing.PrivateKey {
        if let key = issuingKeys[serial] { return key }
        let name = "pki-issuing-\(serial.prefix(40))"
        if let vault, let held = try? vault.read(name),
            let key = try? P256.Signing.PrivateKey(rawRepresentation: held.withUnsafeBytes { Data($0) })
        {
            issuingKeys[serial] = key
            return key
        }
        let key = try unseal(files.intermediateKey(serial))
        try remember(key, serial: serial)
        return key
    }

    func remember(_ key: P256.Signing.PrivateKey, serial: String) throws(PKIError) {
        issuingKeys[serial] = key
        guard let vault else { return }
        var raw = Array(key.rawRepresentation)
        do {
            try vault.store("pki-issuing-\(serial.prefix(40))", SecretBytes(consuming: &raw))
        } catch {
            throw PKIError(.key, "cannot keep the issuing key in the keyring: \(error)")
        }
    }

    /// Re-reads the state (another command may have changed it), applies `change`, writes the state, and rewrites
    /// bundle and CRLs when they changed: when the set of live intermediates did, or when `revocation` says the
    /// revoked set did.
    func mutate<T>(now: Date, revocation: Bool = false, _ change: () throws(PKIError) -> T) throws(PKIError) -> T {
        try files.locked { () throws(PKIError) in
            state = try CAState.decode(try files.read(files.state), path: files.state)
            for intermediate in state.intermediates where intermediates[intermediate.serial] == nil {
                intermediates[intermediate.serial] = try Self.certificate(
                    at: files.intermediateCertificate(intermediate.serial))
            }
            let liveBefore = state.liveIntermediates(at: now).map(\.serial)
            let result = try change()
            try PKIFiles.writeAtomically(Array(try state.encoded()), to: files.state, mode: 0o644)
            if revocation || state.liveIntermediates(at: now).map(\.serial) != liveBefore {
                try writePublicFiles(now: now)
            }
            return result
        }
    }

    /// bundle.pem and crl.pem (one CRL per live intermediate).
    func writePublicFiles(now: Date) throws(PKIError) {
        try PKIFiles.writeAtomically(Array(try trustBundlePEM(at: now).utf8), to: files.bundle, mode: 0o644)
        var crls = ""
        for intermediate in state.liveIntermediates(at: now) {
            guard let certificate = intermediates[intermediate.serial] else { continue }
            let entries = state.revoked.filter { $0.issuer == intermediate.serial }.map {
                RevocationList.Entry(serial: Certificate.SerialNumber(hex: $0.serial), revokedAt: $0.revokedAt)
            }
            let key = try issuingKey(intermediate.serial)
            let der = try Self.build {
                try RevocationList.make(
                    issuer: certificate, issuerKey: key, entries: entries, number: state.crlNumber,
                    thisUpdate: now - lifetimes.backdate, nextUpdate: intermediate.notAfter)
            }
            crls += RevocationList.pem(der)
        }
        try PKIFiles.writeAtomically(Array(crls.utf8), to: files.crl, mode: 0o644)
    }
}

extension Certificate.SerialNumber {
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        self.init(bytes: bytes)
    }
}

extension CertificateAuthority {
    /// The revoked serials and denied identities recorded in a CA directory, for a process that verifies peers
    /// but does not hold the CA open (the daemon re-reads it when `ca.json` changes).
    public static func revocations(in directory: String) throws(PKIError) -> (
        serials: Set<String>, identities: Set<String>
    ) {
        let files = PKIFiles(directory: directory)
        let state = try CAState.decode(try files.read(files.state), path: files.state)
        return (Set(state.revoked.map(\.serial)), Set(state.deniedIdentities))
    }
}
