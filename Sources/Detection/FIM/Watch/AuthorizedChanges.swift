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

    /// Who makes the change, which says what its temporary files beside the path are called.
    public enum Writer: Sendable {
        /// The Broker's file tools: `.NAME.aios-…`, renamed over the path when the write ends.
        case broker
        /// dpkg installing or removing a verified package: `PATH.dpkg-new`, `.dpkg-tmp`, `.dpkg-old`, `.dpkg-dist`.
        case dpkg
    }

    /// One path a change is about to touch.
    public struct Announcement: Sendable {
        public let path: String
        /// SHA-256 of the bytes the path must then hold (nil: not known before, or no content — mkdir, delete).
        public let content: [UInt8]?
        /// The path may then be setuid, setgid or carry file capabilities (a package whose report, confirmed by the
        /// orchestrator, listed it so). Otherwise a change that gains privilege is never taken as announced.
        public let privileged: Bool

        public init(path: String, content: [UInt8]? = nil, privileged: Bool = false) {
            self.path = path
            self.content = content
            self.privileged = privileged
        }
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
        let writer: Writer
        let privileged: Bool
        /// How long it may stay begun and not ended before the watch decides without it.
        let pendingLimit: Duration
        /// SHA-256 of the bytes a write puts there (nil for mkdir and delete); may be set by `end`.
        var content: [UInt8]?
        let begun: ContinuousClock.Instant
        /// Set by `end`: the state left (its inner nil: the path is gone).
        var left: Left??
        var ended: ContinuousClock.Instant?

        /// What this registration's temporary files name (see ``AuthorizedChanges/temporaryKey(_:of:)``).
        var temporaryKey: [UInt8] {
            guard writer == .broker, let slash = path.lastIndex(of: 0x2F) else { return path }
            let name = String(decoding: path[(slash + 1)...], as: UTF8.self)
            return Array(path[...slash]) + Array(name.prefix(200).utf8)
        }
    }

    enum Match: Equatable {
        /// The Broker is still changing it.
        case pending
        /// The Broker changed it and this is what it left (`content`: the digest a write put there).
        case authorized(auditID: String, agent: String, content: [UInt8]?, privileged: Bool)
        /// The Broker changed it, but what is there now is not what it left.
        case changedSince(auditID: String)
        /// A temporary file of the change beside a path it writes (renamed over the path when the write ends).
        case temporary
    }

    /// How long an ended registration still classifies events (kernel events arrive after the call returns).
    public static let grace: Duration = .seconds(30)
    /// How long the watch waits for a Broker call that has begun and not ended before deciding without it.
    public static let pendingLimit: Duration = .seconds(10)

    private struct State: Sendable {
        var next: UInt64 = 0
        var live: [UInt64: Registration] = [:]
        /// Registered path → its live registrations, and the key its writer's temporary files name → the same: an
        /// event is matched by lookups, not by a pass over every registration (a package announces thousands of
        /// paths at once).
        var byPath: [[UInt8]: Set<UInt64>] = [:]
        var byTemporary: [[UInt8]: Set<UInt64>] = [:]

        mutating func insert(_ registration: Registration) -> Ticket {
            next += 1
            live[next] = registration
            byPath[registration.path, default: []].insert(next)
            byTemporary[registration.temporaryKey, default: []].insert(next)
            return Ticket(id: next)
        }

        mutating func removeExpired(now: ContinuousClock.Instant) {
            for (id, registration) in live where AuthorizedChanges.expired(registration, now: now) {
                live[id] = nil
                byPath[registration.path]?.remove(id)
                if byPath[registration.path]?.isEmpty == true { byPath[registration.path] = nil }
                byTemporary[registration.temporaryKey]?.remove(id)
                if byTemporary[registration.temporaryKey]?.isEmpty == true {
                    byTemporary[registration.temporaryKey] = nil
                }
            }
        }

        func registrations(_ index: [[UInt8]: Set<UInt64>], _ key: [UInt8], now: ContinuousClock.Instant)
            -> [Registration]
        {
            (index[key] ?? []).compactMap { live[$0] }.filter { !AuthorizedChanges.expired($0, now: now) }
        }
    }

    private let state = Mutex(State())

    public init() {}

    /// Announces a change the Broker is about to make at `path` (absolute, normalised) for the call recorded as
    /// `auditID`; `content`: the SHA-256 of the bytes a write puts there (the path must then hold exactly them).
    public func begin(path: String, auditID: String, agent: String, content: [UInt8]? = nil) -> Ticket {
        begin([Announcement(path: path, content: content)], auditID: auditID, agent: agent)[0]
    }

    /// Announces changes about to be made at each path (absolute, normalised) by `writer` for the call recorded as
    /// `auditID`. `pendingLimit`: how long the watch waits for them to end before deciding without them.
    public func begin(
        _ announcements: [Announcement], auditID: String, agent: String, by writer: Writer = .broker,
        pendingLimit: Duration = AuthorizedChanges.pendingLimit
    ) -> [Ticket] {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.removeExpired(now: now)
            return announcements.map { announcement in
                state.insert(
                    Registration(
                        path: Array(announcement.path.utf8), auditID: auditID, agent: agent, writer: writer,
                        privileged: announcement.privileged, pendingLimit: pendingLimit,
                        content: announcement.content, begun: now, left: nil, ended: nil))
            }
        }
    }

    /// The Broker is done (whether the change succeeded or not): records what the path is now.
    public func end(_ ticket: Ticket) {
        end([ticket])
    }

    /// The changes are done (whether they succeeded or not): records what each path is now; `contents`: the
    /// SHA-256 each path holds now, for changes whose content was not known when they began.
    public func end(_ tickets: [Ticket], contents: [Ticket: [UInt8]] = [:]) {
        let paths = state.withLock { state in tickets.map { state.live[$0.id]?.path } }
        let left = paths.map { $0.map { Self.stat($0) } }
        let now = ContinuousClock.now
        state.withLock { state in
            for (ticket, left) in zip(tickets, left) {
                guard let left else { continue }
                state.live[ticket.id]?.left = .some(left)
                state.live[ticket.id]?.ended = now
                if let content = contents[ticket] { state.live[ticket.id]?.content = content }
            }
        }
    }

    /// Whether a change observed at `path`, which now is `current` (nil: absent), was announced. Events on the
    /// writer's own temporary files beside the target match the target's registration.
    func match(path: [UInt8], current: Left?) -> Match? {
        let now = ContinuousClock.now
        return state.withLock { state -> Match? in
            let found =
                (state.registrations(state.byPath, path, now: now)
                + [Writer.broker, .dpkg].flatMap { writer in
                    Self.temporaryKey(path, of: writer).map { key in
                        state.registrations(state.byTemporary, key, now: now).filter { $0.writer == writer }
                    } ?? []
                }).max { $0.begun < $1.begun }
            guard let found else { return nil }
            guard let left = found.left else { return .pending }
            if found.path != path { return .temporary }
            return left == current
                ? .authorized(
                    auditID: found.auditID, agent: found.agent, content: found.content, privileged: found.privileged)
                : .changedSince(auditID: found.auditID)
        }
    }

    static let dpkgSuffixes = [".dpkg-new", ".dpkg-tmp", ".dpkg-old", ".dpkg-dist"].map { Array($0.utf8) }

    /// The key `writer`'s temporary file at `path` names (nil: `path` is not one of its temporaries): for dpkg the
    /// path without the suffix; for the Broker, `DIR/.NAME.aios-…` → `DIR/NAME` with the name cut as the Broker cuts
    /// it (its first 200 characters).
    static func temporaryKey(_ path: [UInt8], of writer: Writer) -> [UInt8]? {
        switch writer {
        case .dpkg:
            guard let suffix = dpkgSuffixes.first(where: { path.count > $0.count && path.ends(with: $0) }) else {
                return nil
            }
            return Array(path.dropLast(suffix.count))
        case .broker:
            guard let slash = path.lastIndex(of: 0x2F) else { return nil }
            let file = path[(slash + 1)...]
            let name = file.dropFirst()
            guard file.first == 0x2E, let marker = name.firstRange(of: Array(".aios-".utf8)),
                marker.lowerBound > name.startIndex
            else { return nil }
            return Array(path[...slash]) + Array(name[..<marker.lowerBound])
        }
    }

    fileprivate static func expired(_ registration: Registration, now: ContinuousClock.Instant) -> Bool {
        if let ended = registration.ended { return now - ended > grace }
        return now - registration.begun > registration.pendingLimit
    }

    static func stat(_ path: [UInt8]) -> Left? {
        var status = Glibc.stat()
        guard FIMPath.withCString(path, { lstat($0, &status) }) == 0 else { return nil }
        return Left(status)
    }
}

extension [UInt8] {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}

extension AuthorizedChanges.Left {
    init(_ status: stat) {
        self.init(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino),
            ctime: Int64(status.st_ctim.tv_sec) * 1_000_000_000 + Int64(status.st_ctim.tv_nsec))
    }
}
