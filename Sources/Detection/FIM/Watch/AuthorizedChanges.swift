import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The Broker's announcements of the file changes it makes for allowed calls, which the watch consults to tell
/// them from unauthorized ones. The Broker calls ``begin(path:auditID:agent:content:)`` before it touches a path and
/// ``end(_:)`` after; `end` records what the path is then (device, inode and change time — `ctime`, which no
/// one can set back). A change the watch sees at that path is authorized only if the path is still exactly that:
/// a write by anyone else after the Broker's changes the ctime and is unauthorized, even within the grace period.
/// While the Broker is still at work the watch waits (up to ``pendingLimit``) instead of deciding.
public final class AuthorizedChanges: Sendable {
    public struct Ticket: Sendable, Hashable {
        let id: UInt64
    }

    /// What the Broker left at a path: nil when it removed it.
    struct Left: Sendable, Equatable {
        let device: UInt64
        let inode: UInt64
        let ctime: Int64
    }

    struct Registration: Sendable {
        let path: [UInt8]
        let auditID: String
        let agent: String
        /// SHA-256 of the bytes a write puts there (nil for mkdir and delete).
        let content: [UInt8]?
        let begun: ContinuousClock.Instant
        /// Set by `end`: the state left (its inner nil: the path is gone).
        var left: Left??
        var ended: ContinuousClock.Instant?
    }

    enum Match: Equatable {
        /// The Broker is still changing it.
        case pending
        /// The Broker changed it and this is what it left (`content`: the digest a write put there).
        case authorized(auditID: String, agent: String, content: [UInt8]?)
        /// The Broker changed it, but what is there now is not what it left.
        case changedSince(auditID: String)
        /// The Broker's temporary file beside a path it writes (renamed over the path when the write ends).
        case temporary
    }

    /// How long an ended registration still classifies events (kernel events arrive after the call returns).
    public static let grace: Duration = .seconds(30)
    /// How long the watch waits for a Broker call that has begun and not ended before deciding without it.
    public static let pendingLimit: Duration = .seconds(10)

    private let state = Mutex<(next: UInt64, live: [UInt64: Registration])>((0, [:]))

    public init() {}

    /// Announces a change the Broker is about to make at `path` (absolute, normalised) for the call recorded as
    /// `auditID`; `content`: the SHA-256 of the bytes a write puts there (the path must then hold exactly them).
    public func begin(path: String, auditID: String, agent: String, content: [UInt8]? = nil) -> Ticket {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.live = state.live.filter { !Self.expired($0.value, now: now) }
            state.next += 1
            state.live[state.next] = Registration(
                path: Array(path.utf8), auditID: auditID, agent: agent, content: content, begun: now, left: nil,
                ended: nil)
            return Ticket(id: state.next)
        }
    }

    /// The Broker is done (whether the change succeeded or not): records what the path is now.
    public func end(_ ticket: Ticket) {
        let left: Left?? = state.withLock { $0.live[ticket.id] }.map { Self.stat($0.path) }
        state.withLock { state in
            state.live[ticket.id]?.left = left ?? .some(nil)
            state.live[ticket.id]?.ended = .now
        }
    }

    /// Whether a change observed at `path`, which now is `current` (nil: absent), was the Broker's. Events on the
    /// Broker's own temporary file beside the target (`.NAME.aios-…`) match the target's registration.
    func match(path: [UInt8], current: Left?) -> Match? {
        let now = ContinuousClock.now
        return state.withLock { state -> Match? in
            let found = state.live.values.filter { !Self.expired($0, now: now) && Self.covers($0.path, path) }
                .max { $0.begun < $1.begun }
            guard let found else { return nil }
            guard let left = found.left else { return .pending }
            if found.path != path { return .temporary }
            return left == current
                ? .authorized(auditID: found.auditID, agent: found.agent, content: found.content)
                : .changedSince(auditID: found.auditID)
        }
    }

    /// The registered path itself, or the Broker's temporary file beside it.
    static func covers(_ registered: [UInt8], _ path: [UInt8]) -> Bool {
        if registered == path { return true }
        guard let slash = registered.lastIndex(of: 0x2F), let other = path.lastIndex(of: 0x2F),
            registered[..<slash] == path[..<other]
        else { return false }
        let name = registered[(slash + 1)...].prefix(200)
        return path[(other + 1)...].starts(with: [0x2E] + name + Array(".aios-".utf8))
    }

    private static func expired(_ registration: Registration, now: ContinuousClock.Instant) -> Bool {
        if let ended = registration.ended { return now - ended > grace }
        return now - registration.begun > pendingLimit
    }

    static func stat(_ path: [UInt8]) -> Left? {
        var status = Glibc.stat()
        guard FIMPath.withCString(path, { lstat($0, &status) }) == 0 else { return nil }
        return Left(status)
    }
}

extension AuthorizedChanges.Left {
    init(_ status: stat) {
        self.init(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino),
            ctime: Int64(status.st_ctim.tv_sec) * 1_000_000_000 + Int64(status.st_ctim.tv_nsec))
    }
}
