import Capabilities
import Secrets

/// The SSH console's login banner. sshd sends it **before** authentication, to anyone who reaches the port from
/// a management subnet, so it carries the state in numbers only — the mode, how many agents, how many alerts —
/// and never names, addresses or alert texts; `aios-sec status --human` prints the details after login.
public struct ConsoleBanner: Sendable, Hashable {
    /// What is known of the system's state when the banner is written; nil fields print as not known.
    public struct State: Sendable, Hashable {
        /// `autonomous`, `manual`, …
        public var mode: String?
        public var runningAgents: Int?
        /// `security_alert` entries in the ledger during ``alertWindow`` before ``asOf``.
        public var recentAlerts: Int?
        public var alertWindow: String
        public var asOf: Timestamp?

        public init(
            mode: String? = nil, runningAgents: Int? = nil, recentAlerts: Int? = nil, alertWindow: String = "24 h",
            asOf: Timestamp? = nil
        ) {
            self.mode = mode
            self.runningAgents = runningAgents
            self.recentAlerts = recentAlerts
            self.alertWindow = alertWindow
            self.asOf = asOf
        }
    }

    public let state: State

    public init(state: State) { self.state = state }

    public func render() -> String {
        func known<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "not known" }
        let mode = state.mode.map { Self.clean($0) }
        return """
            aiOS emergency console — authorised operators only.
            Every program this session runs is recorded in the audit ledger, with your key's fingerprint.

            System state\(state.asOf.map { " at \($0.rfc3339)" } ?? ""):
              \(Self.row("mode", known(mode)))
              \(Self.row("running agents", known(state.runningAgents)))
              \(Self.row("alerts (\(state.alertWindow))", known(state.recentAlerts)))
            After login: `aios-sec status --human` for details.

            """
    }

    /// Writes the banner where sshd reads it (atomically: sshd reads it at every connection, never half of it).
    /// The daemon calls this when the mode changes, so the next login sees the new state.
    public func write(to path: String) throws(SSHConsoleError) {
        do {
            try AtomicFile.write(Array(render().utf8), to: path, mode: 0o644)
        } catch {
            throw SSHConsoleError("cannot write \(path): \(error)")
        }
    }

    private static func row(_ label: String, _ value: String) -> String {
        label + String(repeating: " ", count: max(1, 16 - label.count)) + value
    }

    /// ASCII letters, digits, space and `-_.` only, at most 40: a banner line must not carry terminal controls.
    static func clean(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(40) {
            switch scalar.value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x20, 0x2D, 0x2E, 0x5F: out.unicodeScalars.append(scalar)
            default: out += "?"
            }
        }
        return out
    }
}
