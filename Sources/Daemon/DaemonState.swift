import Capabilities
import Foundation
import PKI
import Policy
import Secrets
import X509

/// The daemon's state directory and what `serve` prepares in it on start: the CA (created on first start), the
/// daemon's own server identity, and one client identity per agent in policy plus the orchestrator and an
/// operator, for local clients (`STATE/identities/<name>/`: key.pem 0600, cert.pem, bundle.pem).
public struct DaemonState: Sendable {
    public let directory: String
    public var ledger: String { directory + "/audit" }
    public var pki: String { directory + "/pki" }
    public var identities: String { directory + "/identities" }
    public func identity(_ name: String) -> WorkloadIdentity { WorkloadIdentity(directory: identities + "/" + name) }

    public static let serverIdentity = "aios-sec"
    public static let operatorName = "admin"
    /// The vault secret that seals the CA's keys when no key file or passphrase is given.
    public static let sealingSecret = "ca-seal-key"

    /// Addresses the server certificate names besides ``serverHostNames``: where the web console listens beyond
    /// loopback (a management address), so that a browser verifying the address finds it in the certificate.
    public let extraServerHosts: [String]

    public init(directory: String, extraServerHosts: [String] = []) {
        self.directory = directory
        self.extraServerHosts = extraServerHosts
    }

    /// Every client identity the daemon writes: the agents, the orchestrator, an operator.
    public static func clientIdentities(for policy: SecurityPolicy) throws(PKIError) -> [(dir: String, id: SPIFFEID)] {
        var result: [(String, SPIFFEID)] = []
        for agent in policy.agents.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            result.append((agent.rawValue, try SPIFFEID(kind: .agent, name: agent.rawValue)))
        }
        result.append((Caller.orchestratorName, try SPIFFEID(kind: .service, name: Caller.orchestratorName)))
        result.append(("operator-" + operatorName, try SPIFFEID(kind: .operator, name: operatorName)))
        return result
    }

    /// Creates the directories and the CA if missing, (re)issues identities that are missing or due for renewal,
    /// and returns the opened CA.
    public func prepare(
        policy: SecurityPolicy, vault: KeyringVault, keySource: (any SealingKeySource)?,
        lifetime: TimeInterval? = nil, now: Date = Date()
    ) throws(PKIError) -> CertificateAuthority {
        for path in [directory, identities] {
            do {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw PKIError(.io, "cannot create \(path): \(error.localizedDescription)")
            }
        }
        let source: any SealingKeySource
        if let keySource {
            source = keySource
        } else {
            source = try vaultSealingKey(vault, create: !CertificateAuthority.exists(in: pki))
        }
        let authority: CertificateAuthority
        if CertificateAuthority.exists(in: pki) {
            authority = try CertificateAuthority.open(directory: pki, vault: vault) { () throws(PKIError) in source }
        } else {
            // A CA made here may certify loopback and the addresses this daemon serves the console on; a CA made
            // before (or with `ca init`) certifies what it was made for, and refuses an address beyond that.
            authority = try CertificateAuthority.initialise(
                directory: pki, vault: vault, keySource: source, hosts: try PermittedHosts(adding: extraServerHosts),
                now: now)
        }
        try authority.rotateIntermediateIfDue(now: now)
        for holder in try managedIdentities(policy: policy) {
            try ensure(holder, with: authority, lifetime: lifetime, now: now)
        }
        return authority
    }

    /// The daemon's server identity and every client identity it writes into `STATE/identities`.
    public func managedIdentities(policy: SecurityPolicy) throws(PKIError) -> [ManagedIdentity] {
        let server = try SPIFFEID(kind: .service, name: Self.serverIdentity)
        var result = [
            ManagedIdentity(
                name: Self.serverIdentity, identity: server, holder: identity(Self.serverIdentity),
                hostNames: Self.serverHostNames + extraServerHosts.filter { !Self.serverHostNames.contains($0) })
        ]
        for (name, id) in try Self.clientIdentities(for: policy) {
            result.append(ManagedIdentity(name: name, identity: id, holder: identity(name)))
        }
        return result
    }

    /// The names the daemon's server certificate carries (clients verify a loopback address or `localhost`).
    public static let serverHostNames = ["127.0.0.1", "::1", "localhost"]

    /// Issues into an identity directory when it has no certificate, another identity, a revoked one, one that lacks
    /// a host name it must carry (the console moved to a new address), or its renewal is due; returns whether it
    /// issued.
    @discardableResult
    func ensure(_ managed: ManagedIdentity, with authority: CertificateAuthority, lifetime: TimeInterval?, now: Date)
        throws(PKIError) -> Bool
    {
        let holder = managed.holder
        let names = try managed.hostNames.map { text throws(PKIError) in try HostName(parsing: text) }
        if let current = try? holder.certificate(), current.uriNames == [managed.identity.uri],
            Set(names).isSubset(of: current.hostNames),
            authority.denyList().reason(for: current) == nil,
            !(try holder.needsRenewal(at: now, jitter: Self.jitter(current)))
        {
            return false
        }
        let (key, request) = try WorkloadIdentity.request(for: managed.identity)
        let issued: IssuedCertificate
        do {
            issued = try authority.sign(
                request, identity: managed.identity, lifetime: lifetime, hostNames: names, now: now)
        } catch let error where error.code == .revoked {
            // A revoked identity gets no new certificate; it must not stop the renewal of every identity after it
            // (nor the daemon's start).
            return false
        }
        try holder.store(
            key: key, issued: issued, bundlePEM: try authority.trustBundlePEM(at: now), owner: managed.owner)
        return true
    }

    /// Where in ±10 % around 2/3 of its life a certificate is renewed: fixed per certificate (from its serial), so
    /// identities issued together spread out and a check does not move the point each time it runs.
    static func jitter(_ certificate: Certificate) -> Double {
        let value = certificate.serialNumber.bytes.reduce(UInt64(0)) { ($0 &* 31) &+ UInt64($1) }
        return Double(value % 2001) / 1000 - 1
    }

    /// The default sealing key: 32 random bytes kept only in the keyring vault (created on first start). It
    /// survives daemon restarts, not reboots — seal it into the boot file (`secrets seal --from-vault`) to keep it.
    func vaultSealingKey(_ vault: KeyringVault, create: Bool) throws(PKIError) -> any SealingKeySource {
        do {
            let material: SecretBytes
            if let held = try? vault.read(Self.sealingSecret) {
                material = held
            } else if create {
                var random = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
                material = SecretBytes(consuming: &random)
                try vault.store(Self.sealingSecret, material)
            } else {
                throw PKIError(
                    .key,
                    "the CA exists but its sealing key '\(Self.sealingSecret)' is not in the keyring (after a reboot?): "
                        + "load it from the boot file made with `aios-sec secrets seal --from-vault ca-seal-key` "
                        + "(`aios-sec secrets load`), or start with --ca-key-file or AIOS_PASSPHRASE")
            }
            return try KeyFileKey(material: material)
        } catch let error as PKIError {
            throw error
        } catch {
            throw PKIError(.key, "the CA's sealing key: \(error)")
        }
    }
}
