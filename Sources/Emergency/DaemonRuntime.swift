import Foundation
import Secrets

/// Where the running daemon is and where its agents live (`STATE/daemon.json`, written at start): what
/// `aios-sec estop` and `recovery` need to act without asking the daemon, which may be hung or gone.
public struct DaemonRuntime: Codable, Sendable, Equatable {
    public var pid: Int32
    /// `HOST:PORT` or `unix:PATH`.
    public var address: String
    /// The cgroup folder every agent's cgroup is below.
    public var agentCgroupParent: String
    /// When the daemon shut down in order; nil while it runs — and after it was killed or crashed, which the next
    /// daemon reports.
    public var endedAt: String?

    public init(pid: Int32, address: String, agentCgroupParent: String, endedAt: String? = nil) {
        self.pid = pid
        self.address = address
        self.agentCgroupParent = agentCgroupParent
        self.endedAt = endedAt
    }

    public static func path(stateDirectory: String) -> String { stateDirectory + "/daemon.json" }

    /// The last daemon's runtime, or nil when none was written or it cannot be read.
    public static func read(stateDirectory: String) -> DaemonRuntime? {
        guard let data = FileManager.default.contents(atPath: path(stateDirectory: stateDirectory)), data.count < 65_536
        else { return nil }
        return try? JSONDecoder().decode(DaemonRuntime.self, from: data)
    }

    public func write(stateDirectory: String) throws(EmergencyError) {
        let path = Self.path(stateDirectory: stateDirectory)
        guard let data = try? JSONEncoder().encode(self) else { throw EmergencyError(.io, "cannot encode \(path)") }
        do {
            try AtomicFile.write(Array(data), to: path, mode: 0o600)
        } catch {
            throw EmergencyError(.io, "cannot write \(path): \(error)")
        }
    }
}
