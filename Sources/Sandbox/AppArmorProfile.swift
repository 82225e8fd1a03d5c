import Capabilities

/// A path or name that cannot be written into an AppArmor profile without changing its meaning.
public struct AppArmorProfileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The refused input, as given.
    public let input: String
    public let reason: String

    public var description: String {
        "cannot render \(String(reflecting: input)) into an AppArmor profile: \(reason)"
    }
}

/// An AppArmor profile for one agent, rendered from the same capabilities as its Landlock rules, for hosts that
/// have AppArmor: a second, independent kernel layer that also mediates what Landlock does not (unix sockets,
/// signals, ptrace, mount, socket families).
///
/// File rules follow ``LandlockRule/compile(_:runtime:)``: `fs:read:/var/log/*` → read the directory and
/// everything beneath it; an exact path → that path; `*` → everything. Execute is granted only to the runtime.
/// No `capability` rule is ever rendered, so the profile grants none.
public struct AppArmorProfile: Sendable, Hashable {
    /// The profile name `apparmor_parser` loads, and what a launcher would pass to `aa_change_onexec`.
    public let name: String
    /// The profile, ready for `apparmor_parser -r`.
    public let text: String

    /// `aios-agent-NAME`; an agent already named `aios-agent-…` keeps its name.
    public static func profileName(agent: String) -> String {
        agent.hasPrefix("aios-agent-") ? agent : "aios-agent-" + agent
    }

    public static func render(
        agent: String, capabilities: [Capability], runtime: [String], daemonSocket: String?
    ) throws(AppArmorProfileError) -> AppArmorProfile {
        // The name is written unquoted: the policy's own rule for agent names keeps it a plain word.
        guard !agent.isEmpty, agent.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { throw AppArmorProfileError(input: agent, reason: "an agent name is letters, digits, . _ -") }
        var files = FileRules()
        // The runtime may hold files and directories (as for Landlock), so each entry is rendered both ways.
        for path in runtime {
            try files.allow(.exactly(path), .runtime)
            try files.allow(.beneath(path), .runtime)
        }
        for (device, access) in LandlockRule.devices { try files.allow(.exactly(device), access) }
        // The agent's scratch and its own /proc, as in its Landlock rules (``AgentConfinement``).
        try files.allow(.exactly(AgentConfinement.scratch), [.read, .write, .mkdir, .delete])
        try files.allow(.beneath(AgentConfinement.scratch), [.read, .write, .mkdir, .delete])
        try files.allow(.beneath("/proc"), .read)
        // A pathname socket is mediated by file rules: `w` on the socket is what lets the agent connect.
        if let daemonSocket { try files.allow(.exactly(daemonSocket), [.readFile, .writeFile]) }
        for capability in capabilities {
            guard let access = LandlockAccess.granted(by: capability) else { continue }
            switch capability.resource {
            case .unrestricted, .any: try files.allow(.beneath("/"), access)
            case .below(let prefix): try files.allow(.beneath(prefix), access)
            case .exact(let path): try files.allow(.exactly(path), access)
            }
        }
        let tcp = capabilities.contains { $0.namespace == "net" && [nil, "connect", "listen"].contains($0.action) }
        let text = """
            # aiOS Security: the AppArmor profile of agent \(agent), rendered from its capabilities by
            # `aios-sec sandbox apparmor`. Do not edit: render it again when the policy changes.
            abi <abi/3.0>,
            include <tunables/global>

            profile \(profileName(agent: agent)) flags=(attach_disconnected,mediate_deleted) {
              # Files: only what the fs: capabilities and the runtime name; every path is quoted.
            \(files.lines.map { "  " + $0 }.joined(separator: "\n"))

              # Unix sockets (the rules of abstractions/base): only among its own processes, so others' abstract
              # sockets (D-Bus, X11, …) are out of reach; a pathname socket needs its file rule above.
              unix (create),
              unix (getattr, getopt, setopt, shutdown),
              unix peer=(label=@{profile_name}),
              unix (receive) peer=(label=unconfined),

              # Network: AppArmor 3.0 mediates socket families and types, never addresses or ports, so any
              # net:connect or net:listen capability opens all of TCP here; the port is the Gate's to check.
            \(tcp ? "  network inet stream,\n  network inet6 stream,\n" : "")\
              deny network raw,
              deny network packet,

              # Signals only among its own processes (the daemon, unconfined, may signal it).
              signal (send, receive) peer=@{profile_name},
              signal (receive) peer=unconfined,

              # Never: no capability rule above grants any capability; these deny even if a rule is added.
              deny ptrace,
              deny mount,
              deny umount,
              deny pivot_root,
              deny @{PROC}/*/mem rwx,
            }

            """
        return AppArmorProfile(name: profileName(agent: agent), text: text)
    }
}

/// File rules merged by pattern, rendered sorted, each pattern quoted.
struct FileRules {
    enum Reach {
        /// The directory (listed) and everything beneath it, at any depth.
        case beneath(String)
        /// That path only, and its listing if it is a directory.
        case exactly(String)
    }

    private var permissions: [String: Set<Character>] = [:]

    /// Characters AppArmor interprets even inside quotes (escapes, globs, `@{variables}`, alternation) or that end
    /// the quote. A path holding one is refused rather than escaped: refusing cannot get the escaping wrong.
    static let special = Set(#""\{}[]?^@*,"#)

    static func check(_ path: String) throws(AppArmorProfileError) {
        guard path.hasPrefix("/") else { throw AppArmorProfileError(input: path, reason: "not an absolute path") }
        if let bad = path.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw AppArmorProfileError(input: path, reason: "control character U+\(String(bad.value, radix: 16))")
        }
        if let bad = path.first(where: special.contains) {
            throw AppArmorProfileError(input: path, reason: "'\(bad)' is special to AppArmor")
        }
    }

    /// Adds the AppArmor permissions that carry `access` (the same rights as a Landlock rule) to `reach`.
    mutating func allow(_ reach: Reach, _ access: LandlockAccess) throws(AppArmorProfileError) {
        var file = ""
        if access.contains(.readFile) { file += "r" }
        // AppArmor 3.0 has no delete permission: removing is `w`, so fs:delete is coarser here than under Landlock.
        if !access.isDisjoint(with: [.writeFile, .makeRegular, .removeFile, .removeDirectory]) { file += "w" }
        // Where it may create files (an fs:write right), it may also hard-link and lock them.
        if access.contains(.makeRegular) { file += "lk" }
        // Execute stays in this profile (`ix`): exec never leaves the confinement.
        if access.contains(.execute) { file += "mix" }
        // AppArmor sees a directory as `path/`: listing it is `r` there; creating or removing it is `w`.
        var directory = access.contains(.readDirectory) ? "r" : ""
        switch reach {
        case .exactly(let path):
            try Self.check(path)
            if access.contains(.makeDirectory) || access.contains(.removeDirectory) { directory += "w" }
            add(file, to: path)
            add(directory, to: path == "/" ? "/" : path + "/")
        case .beneath(let path):
            try Self.check(path)
            // The glob is ours, never the input's. `/dir/**` does not match `/dir/` itself, which is listed apart;
            // `/dir/**/` matches only directories, which is how mkdir alone is expressed.
            let base = path.hasSuffix("/") ? path : path + "/"
            add(directory, to: base)
            add(file, to: base + "**")
            if access.contains(.makeDirectory) && !file.contains("w") { add("w", to: base + "**/") }
        }
    }

    private mutating func add(_ letters: String, to pattern: String) {
        if !letters.isEmpty { permissions[pattern, default: []].formUnion(letters) }
    }

    /// `"PATTERN" PERMISSIONS,` lines, permissions in AppArmor's usual order.
    var lines: [String] {
        permissions.keys.sorted().map { pattern in
            "\"\(pattern)\" \(String("mrwlkix".filter { permissions[pattern]!.contains($0) })),"
        }
    }
}
