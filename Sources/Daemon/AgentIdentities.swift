import Agents
import Audit
import CFileAccess
import Crypto
import Foundation
import PKI
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The identities of running agents: one directory per agent on a tmpfs (never the disk), with the agent's key
/// (owned by its uid, 0600), its certificate chain and the bundle; shown read-only in its view, renewed with the
/// daemon's other identities, and destroyed when it stops: the files removed and every certificate issued into
/// it revoked, so a copy the agent made stops working too.
public final class AgentIdentities: AgentIdentityProvider {
    /// Where the directories go: the first of these that is a tmpfs (`/run` is one on systemd hosts).
    public static let candidates = ["/run/aios-sec/identities", "/dev/shm/aios-sec-identities"]

    let issuer: IdentityIssuer
    /// This daemon's own folder under the base: two daemons on one host (tests, or a second state directory)
    /// never share an agent's directory.
    let instance: String
    let denyList: DenyList
    let record: @Sendable (AuditDraft) -> Void
    private let running = Mutex<[String: RunningIdentity]>([:])

    struct RunningIdentity {
        let managed: ManagedIdentity
        /// Every certificate issued into the directory while the agent ran (revoked when it stops).
        var serials: Set<String>
    }

    public init(issuer: IdentityIssuer, denyList: DenyList, record: @escaping @Sendable (AuditDraft) -> Void) {
        self.issuer = issuer
        let digest = SHA256.hash(data: Data(issuer.state.directory.utf8))
        instance = digest.prefix(6).map { String(format: "%02x", $0) }.joined()
        self.denyList = denyList
        self.record = record
    }

    public func provide(agent: String, uid: UInt32, gid: UInt32) throws -> String {
        let base = try Self.base() + "/" + instance
        try Self.makePrivateDirectory(base, mode: 0o711)
        let directory = base + "/" + agent
        try Self.makePrivateDirectory(directory, mode: 0o755)
        let managed = ManagedIdentity(
            name: "agent:" + agent, identity: try SPIFFEID(kind: .agent, name: agent),
            holder: WorkloadIdentity(directory: directory), owner: (uid, gid))
        // A restart finds the identity still current and keeps it; only a new certificate is an issuance.
        let issued = try !issuer.renewDue([managed], now: Date()).isEmpty
        let serial = try managed.holder.certificate().serialNumber.hex
        running.withLock { identities in
            var entry = identities[agent] ?? RunningIdentity(managed: managed, serials: [])
            entry.serials.insert(serial)
            identities[agent] = entry
        }
        if issued { record(IdentityAudit.issued(agent: agent, directory: directory, serial: serial)) }
        return directory
    }

    public func withdraw(agent: String) {
        guard let entry = running.withLock({ $0.removeValue(forKey: agent) }) else { return }
        var refused: [String] = []
        for serial in entry.serials.sorted() {
            denyList.deny(serial: serial)
            do {
                try issuer.revoke(serial: serial, reason: "agent \(agent) stopped")
            } catch {
                refused.append("\(serial): \(error)")
            }
        }
        try? FileManager.default.removeItem(atPath: entry.managed.holder.directory)
        record(IdentityAudit.withdrawn(agent: agent, serials: entry.serials.sorted(), failures: refused))
    }

    /// At start: the identities an earlier run of this daemon left behind (it was killed before its agents stopped;
    /// their processes are reclaimed with their cgroups) are withdrawn like any stopped agent's — the certificate in
    /// each directory revoked, the directory removed. Returns the agents withdrawn.
    @discardableResult
    public func reclaimOrphans() -> [String] {
        guard let base = try? Self.base() + "/" + instance,
            let agents = try? FileManager.default.contentsOfDirectory(atPath: base)
        else { return [] }
        var withdrawn: [String] = []
        for agent in agents.sorted() {
            let holder = WorkloadIdentity(directory: base + "/" + agent)
            // Only this daemon makes directories here (root-owned, 0711); one not named for an agent is just removed.
            guard let identity = try? SPIFFEID(kind: .agent, name: agent) else {
                try? FileManager.default.removeItem(atPath: holder.directory)
                continue
            }
            let serials = (try? holder.certificate()).map { Set([$0.serialNumber.hex]) } ?? []
            let managed = ManagedIdentity(name: "agent:" + agent, identity: identity, holder: holder)
            running.withLock { $0[agent] = RunningIdentity(managed: managed, serials: serials) }
            withdraw(agent: agent)
            withdrawn.append(agent)
        }
        return withdrawn
    }

    /// At shutdown, after every agent has stopped: this daemon's folder goes too (only when empty: an identity still
    /// in it is withdrawn at the next start).
    public func close() {
        guard let base = try? Self.base() else { return }
        rmdir(base + "/" + instance)
    }

    /// A certificate a running agent obtained for itself (`RenewIdentity`): revoked with the rest when it stops, so
    /// renewing cannot carry its identity past its life.
    func noteIssued(serial: String, to agent: String) {
        running.withLock { identities in identities[agent]?.serials.insert(serial) }
    }

    /// The running agents' identities, for the renewal service.
    var managed: [ManagedIdentity] { running.withLock { $0.values.map(\.managed) } }

    /// After a renewal: the serial now in each running agent's directory joins those revoked at its stop.
    func noteCurrentSerials() {
        running.withLock { identities in
            for (agent, entry) in identities {
                if let serial = try? entry.managed.holder.certificate().serialNumber.hex {
                    identities[agent]?.serials.insert(serial)
                }
            }
        }
    }

    /// The first candidate on a tmpfs (judged by its nearest existing ancestor), created root-owned and private
    /// with its parents; an error when none is. Deterministic: once made, every later call picks the same one.
    public static func base() throws -> String {
        for candidate in candidates {
            var ancestor = (candidate as NSString).deletingLastPathComponent
            while !FileManager.default.fileExists(atPath: ancestor) {
                ancestor = (ancestor as NSString).deletingLastPathComponent
            }
            guard aios_is_tmpfs(ancestor) == 1 else { continue }
            do {
                try FileManager.default.createDirectory(
                    atPath: (candidate as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o755])
            } catch {
                throw PKIError(.io, "cannot create the parent of \(candidate): \(error.localizedDescription)")
            }
            try makePrivateDirectory(candidate, mode: 0o711)
            return candidate
        }
        throw PKIError(
            .io,
            "no tmpfs for agents' identities (\(candidates.joined(separator: ", "))): their keys must not be written "
                + "to disk")
    }

    /// Creates `path` (one level) or accepts it only as a real directory owned by root that nobody else may
    /// write: under a world-writable parent such as /dev/shm, someone may have planted it first.
    static func makePrivateDirectory(_ path: String, mode: mode_t) throws {
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw PKIError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == 0,
            info.st_mode & 0o022 == 0
        else {
            throw PKIError(.io, "\(path) is not a directory owned by root and writable only by it; refusing to use it")
        }
        _ = chmod(path, mode)
    }
}
