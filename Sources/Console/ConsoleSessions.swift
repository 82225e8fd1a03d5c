import Capabilities
import Crypto
import Foundation
import Synchronization

/// Logged-in operators, in the daemon's memory only (a restart logs everyone out). The cookie's value is a random
/// 256-bit secret; the table keeps only its SHA-256, so nothing that reads the table can present a session. Each
/// session has its own CSRF token, which every form carries and every POST must return.
///
/// A session is bound to the client address it logged in from and, when it was opened with a client certificate,
/// to that certificate: its cookie presented from another address, or on a connection without that certificate,
/// opens nothing (``Session/mismatch(client:certificate:)``).
public final class ConsoleSessions: Sendable {
    public struct Session: Sendable, Equatable {
        public let `operator`: String
        /// A short name for the ledger (never the cookie).
        public let id: String
        public let csrfToken: String
        public let expiresAt: Timestamp
        /// The address the operator logged in from (as ``ConsoleContext`` describes peers).
        public let client: String
        /// The SHA-256 of the client certificate the session was opened with; nil for a one-time link.
        public let certificate: String?
        /// That certificate's serial: the session's actions are the operator's with it, as over gRPC.
        public let certificateSerial: String?
    }

    /// How long a session lasts from login, whatever the operator does.
    public let lifetime: GrantDuration
    private let sessions = Mutex<[String: Session]>([:])

    public init(lifetime: GrantDuration = .seconds(3600)) {
        self.lifetime = lifetime
    }

    /// A new session for `operator` logged in from `client` (with `certificate`, when one was the proof); the
    /// returned cookie value is the only copy of its secret.
    public func open(operator name: String, now: Timestamp, client: String, certificate: ClientCertificate? = nil)
        -> (cookie: String, session: Session)
    {
        let cookie = LoginLinks.randomHex(bytes: 32)
        let session = Session(
            operator: name, id: "console-" + LoginLinks.randomHex(bytes: 6),
            csrfToken: LoginLinks.randomHex(bytes: 32), expiresAt: now.adding(lifetime), client: client,
            certificate: certificate?.fingerprint, certificateSerial: certificate?.serial)
        sessions.withLock { table in
            table = table.filter { $0.value.expiresAt > now }
            table[LoginLinks.hash(cookie)] = session
        }
        return (cookie, session)
    }

    /// The session a cookie value opens, or nil (unknown, or expired: then it is forgotten).
    public func session(cookie: String, now: Timestamp) -> Session? {
        let key = LoginLinks.hash(cookie)
        return sessions.withLock { table in
            guard let session = table[key] else { return nil }
            guard session.expiresAt > now else {
                table[key] = nil
                return nil
            }
            return session
        }
    }

    public func close(cookie: String) {
        let key = LoginLinks.hash(cookie)
        _ = sessions.withLock { $0.removeValue(forKey: key) }
    }

    public var count: Int { sessions.withLock { $0.count } }
}

extension ConsoleSessions.Session {
    /// Why this session's cookie opens nothing on a request from `client` presenting `certificate`, or nil.
    public func mismatch(client: String, certificate: ClientCertificate?) -> String? {
        if client != self.client { return "session cookie from another address than its login" }
        if let bound = self.certificate, bound != certificate?.fingerprint {
            return "session cookie without the client certificate it logged in with"
        }
        return nil
    }

    /// Compares in time independent of where the strings differ.
    public func acceptsCSRF(_ presented: String?) -> Bool {
        guard let presented else { return false }
        let (a, b) = (Array(presented.utf8), Array(csrfToken.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
