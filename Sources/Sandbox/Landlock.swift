import Capabilities

/// Filesystem rights Landlock grants beneath a path (the kernel's `LANDLOCK_ACCESS_FS_*` bits).
public struct LandlockAccess: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let execute = LandlockAccess(rawValue: 1 << 0)
    public static let writeFile = LandlockAccess(rawValue: 1 << 1)
    public static let readFile = LandlockAccess(rawValue: 1 << 2)
    public static let readDirectory = LandlockAccess(rawValue: 1 << 3)
    public static let removeDirectory = LandlockAccess(rawValue: 1 << 4)
    public static let removeFile = LandlockAccess(rawValue: 1 << 5)
    public static let makeDirectory = LandlockAccess(rawValue: 1 << 7)
    public static let makeRegular = LandlockAccess(rawValue: 1 << 8)
    public static let makeSymlink = LandlockAccess(rawValue: 1 << 12)
    public static let refer = LandlockAccess(rawValue: 1 << 13)
    public static let truncate = LandlockAccess(rawValue: 1 << 14)

    /// `fs:read:` — read files, list directories.
    public static let read: LandlockAccess = [.readFile, .readDirectory]
    /// `fs:write:` — create, replace, truncate and remove files (and rename within what is allowed).
    public static let write: LandlockAccess = [.writeFile, .makeRegular, .removeFile, .truncate, .refer, .makeSymlink]
    /// `fs:mkdir:` — create directories.
    public static let mkdir: LandlockAccess = [.makeDirectory]
    /// `fs:delete:` — remove files and directories.
    public static let delete: LandlockAccess = [.removeFile, .removeDirectory]
    /// The agent's runtime (executable, libraries, locale, CA files): read and execute.
    public static let runtime: LandlockAccess = [.readFile, .readDirectory, .execute]

    /// What an `fs:` capability grants (`fs:write` includes reading back; `fs:*` everything); nil for other
    /// namespaces and actions, which are not filesystem rights.
    public static func granted(by capability: Capability) -> LandlockAccess? {
        guard capability.namespace == "fs" else { return nil }
        switch capability.action {
        case "read": return .read
        case "write": return .write.union(.read)
        case "mkdir": return .mkdir
        case "delete": return .delete
        case nil: return [.read, .write, .mkdir, .delete]
        default: return nil
        }
    }
}

public struct LandlockRule: Sendable, Hashable {
    public let path: String
    public let access: LandlockAccess

    public init(path: String, access: LandlockAccess) {
        self.path = path
        self.access = access
    }

    /// Devices every program expects, and what it may do with them.
    public static let devices: [String: LandlockAccess] = [
        "/dev/null": [.readFile, .writeFile], "/dev/zero": .readFile, "/dev/full": [.readFile, .writeFile],
        "/dev/urandom": .readFile, "/dev/random": .readFile,
    ]

    /// Rules compiled from an agent's `fs:` capabilities plus the runtime base set: `fs:read:/var/log/*` →
    /// read beneath `/var/log`; an exact path → that file or directory; `*` → `/`. Other namespaces are not
    /// filesystem rights (network ports are a separate ruleset). Rules on the same path are merged.
    /// `runtime` is the policy's base set (`sandbox.runtime`), read and execute.
    public static func compile(_ capabilities: [Capability], runtime: [String]) -> [LandlockRule] {
        var merged: [String: LandlockAccess] = [:]
        for path in runtime { merged[path, default: []].formUnion(.runtime) }
        for (device, access) in devices { merged[device, default: []].formUnion(access) }
        for capability in capabilities {
            guard let access = LandlockAccess.granted(by: capability) else { continue }
            let path: String
            switch capability.resource {
            case .unrestricted, .any: path = "/"
            case .below(let prefix):
                path = prefix.count > 1 && prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            case .exact(let exact): path = exact
            }
            merged[path, default: []].formUnion(access)
        }
        return merged.keys.sorted().map { LandlockRule(path: $0, access: merged[$0]!) }
    }
}

/// TCP rights Landlock (ABI ≥ 4) confines to ports: what `net:listen:` and `net:connect:` capabilities allow. A
/// right an agent holds for every port (`net:listen:*`, `net:*`) is not confined at all; a right it holds for no
/// port is denied everywhere. Landlock cannot tell hosts apart or mediate UDP: the network namespace and the
/// firewall do that.
public struct LandlockNetwork: Sendable, Equatable {
    public static let bind: UInt64 = 1  // LANDLOCK_ACCESS_NET_BIND_TCP
    public static let connect: UInt64 = 2  // LANDLOCK_ACCESS_NET_CONNECT_TCP

    /// The rights confined to the ports below.
    public var handled: UInt64
    /// Port → rights.
    public var ports: [UInt16: UInt64]

    public init(handled: UInt64, ports: [UInt16: UInt64]) {
        self.handled = handled
        self.ports = ports
    }

    public static func compile(_ capabilities: [Capability]) -> LandlockNetwork {
        var everywhere: UInt64 = 0
        var ports: [UInt16: UInt64] = [:]
        for capability in capabilities where capability.namespace == "net" {
            let right: UInt64
            switch capability.action {
            case nil: right = bind | connect
            case "listen": right = bind
            case "connect": right = connect
            default: continue
            }
            switch capability.resource {
            case .unrestricted, .any, .below:
                everywhere |= right
            case .exact(let value):
                // `net:listen:80`, `net:connect:host:443`: the port is the last field.
                if let port = value.split(separator: ":").last.flatMap({ UInt16($0) }) {
                    ports[port, default: 0] |= right
                } else {
                    everywhere |= right
                }
            }
        }
        let handled = (bind | connect) & ~everywhere
        return LandlockNetwork(
            handled: handled, ports: ports.compactMapValues { $0 & handled == 0 ? nil : $0 & handled })
    }
}
