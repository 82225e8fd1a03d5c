import Capabilities

/// Thresholds of the network intrusion detection (`ids:` in policy YAML). Absent keys keep fail2ban's brute-force
/// defaults (5 failed attempts within 10 minutes, blocked 10 minutes) and the scan thresholds below.
public struct IDSPolicy: Sendable, Equatable {
    /// Failed SSH login attempts (one per attempt, never one per log line) per source.
    public var bruteForce: RateThreshold
    /// Failed authentications at this product's own doors (mTLS handshakes, the console) per source.
    public var authenticationFailures: RateThreshold
    public var portScan: ScanThreshold
    /// Inbound attempts to a port outside ``openPorts``: always alerted (once per source and scan window); blocked
    /// for this long when set.
    public var unexpectedPortBlock: GrantDuration?
    /// Ports something may listen on; an attempt to any other port is unexpected.
    public var openPorts: [UInt16]
    /// Sources that are alerted on but never blocked: the management subnets and loopback by default.
    public var allowlist: [IPPrefix]
    /// What evidence a forged source address can make (bare SYNs: the scan and unexpected-port rules) may do.
    public var spoofable: SpoofableResponse = .shortBlock(.seconds(600))
    /// Brute force is also counted per block of addresses this long (an IPv6 /64 by default; IPv4 per address),
    /// with ``bruteForce``'s threshold; a block then covers the prefix.
    public var bruteForcePrefix = BruteForcePrefix(v4: 32, v6: 64)
    /// Each alert of a rule is recorded on its own up to this many per ``alertWindow``; past that they are counted
    /// and recorded as one summary (counts and a sample of sources) when the window ends.
    public var alertsPerWindow = 20
    public var alertWindow: GrantDuration = .seconds(60)
    /// The most sources each rule tracks at once (the oldest make room): the bound on the IDS's memory.
    public var trackedSources = IDSPolicy.defaultTrackedSources
    /// The file-integrity watch set (`aios-sec fim`).
    public var files = FileWatchPolicy.default
    /// The host IDS's process rules.
    public var processes = ProcessWatchPolicy.default
    /// The host IDS's kernel-module watch.
    public var kernel = KernelWatchPolicy.default

    public static let defaultTrackedSources = 16_384

    public init(
        bruteForce: RateThreshold, authenticationFailures: RateThreshold, portScan: ScanThreshold,
        unexpectedPortBlock: GrantDuration?, openPorts: [UInt16], allowlist: [IPPrefix]
    ) {
        self.bruteForce = bruteForce
        self.authenticationFailures = authenticationFailures
        self.portScan = portScan
        self.unexpectedPortBlock = unexpectedPortBlock
        self.openPorts = openPorts
        self.allowlist = allowlist
    }

    /// The defaults, allow-listing `management` (the firewall's management subnets) and loopback, with the
    /// firewall's management ports open.
    public static func defaults(management: [IPPrefix] = [], openPorts: [UInt16] = [22, 9090]) -> IDSPolicy {
        IDSPolicy(
            bruteForce: .fail2banDefault, authenticationFailures: .fail2banDefault, portScan: .default,
            unexpectedPortBlock: nil, openPorts: openPorts, allowlist: IPPrefix.loopback + management)
    }

    /// Whether `source` is allow-listed.
    public func isAllowListed(_ source: IPAddress) -> Bool { allowlist.contains { $0.contains(source) } }
}

/// What spoofable evidence may do.
public enum SpoofableResponse: Sendable, Equatable {
    /// Record only.
    case alertOnly
    /// Block, for at most this long (a rule's longer block is cut to it).
    case shortBlock(GrantDuration)
    /// Block as `shortBlock`, but only a source that completed a TCP handshake with this machine in the last hour
    /// (its address is then not forged); others are alerted.
    case blockAfterHandshake(GrantDuration)
}

/// The prefix lengths brute force is also counted over, per family (32 and 128: per address only).
public struct BruteForcePrefix: Sendable, Equatable {
    public var v4: Int
    public var v6: Int

    public init(v4: Int, v6: Int) {
        self.v4 = v4
        self.v6 = v6
    }

    /// Whether counting per prefix adds anything to counting per address.
    public var isEnabled: Bool { v4 < 32 || v6 < 128 }
}

/// `count` events from one source within `window` (inclusive: the first and the last may be exactly `window`
/// apart) block the source for `blockFor`.
public struct RateThreshold: Sendable, Equatable {
    public var count: Int
    public var window: GrantDuration
    public var blockFor: GrantDuration

    public init(count: Int, window: GrantDuration, blockFor: GrantDuration) {
        self.count = count
        self.window = window
        self.blockFor = blockFor
    }

    /// fail2ban's `maxretry = 5`, `findtime = 10m`, `bantime = 10m`.
    public static let fail2banDefault = RateThreshold(count: 5, window: .seconds(600), blockFor: .seconds(600))
}

/// A source touching `ports` distinct destination ports, or `addresses` distinct destination addresses, within
/// `window` is scanning and is blocked for `blockFor`.
public struct ScanThreshold: Sendable, Equatable {
    public var ports: Int
    public var addresses: Int
    public var window: GrantDuration
    public var blockFor: GrantDuration

    public init(ports: Int, addresses: Int, window: GrantDuration, blockFor: GrantDuration) {
        self.ports = ports
        self.addresses = addresses
        self.window = window
        self.blockFor = blockFor
    }

    /// Ten ports in a minute: nmap's fastest default scan sends 1,000 in under a second and a slow one (`-T2`)
    /// about 2.5 a second; a browser or an SSH client touches one or two. psad's one-hour block.
    public static let `default` = ScanThreshold(
        ports: 10, addresses: 10, window: .seconds(60), blockFor: .seconds(3600))
}
