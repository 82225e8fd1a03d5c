/// Reads a maintainer script (or a Python build script) for what it appears to touch. A reading, not a proof: a
/// script can build its commands at run time, which is why text that decodes or evaluates is itself a finding,
/// and why any install script needs the orchestrator under the default policy.
public struct ScriptScanner: Sendable {
    /// Paths whose change is refused (the policy's protected paths and the daemon's own).
    public let protectedPaths: [String]

    public init(protectedPaths: [String]) { self.protectedPaths = protectedPaths }

    static let network = [
        "curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "ftp", "ssh", "scp", "rsync", "/dev/tcp/",
        "/dev/udp/", "urllib", "urlopen", "socket", "requests.get", "http://", "https://",
    ]
    static let users = [
        "useradd", "adduser", "usermod", "userdel", "groupadd", "addgroup", "groupmod", "chpasswd", "passwd",
        "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/sudoers", "visudo", "authorized_keys",
    ]
    static let services = [
        "systemctl", "service", "update-rc.d", "invoke-rc.d", "deb-systemd-helper", "deb-systemd-invoke", "crontab",
        "/etc/cron", "/etc/systemd/", "/lib/systemd/system", "/etc/init.d/", "/etc/rc.local",
    ]
    static let obfuscation = ["base64", "eval", "xxd", "openssl enc", "exec(", "compile(", "\\x", "rev |"]

    /// What `text` appears to touch: `network`, `users`, `services`, `obfuscated`, `protected_path:PATH`.
    public func touches(_ text: String) -> [String] {
        let words = Self.words(text)
        var found: [String] = []
        if Self.mentions(Self.network, in: text, words: words) { found.append("network") }
        if Self.mentions(Self.users, in: text, words: words) { found.append("users") }
        if Self.mentions(Self.services, in: text, words: words) { found.append("services") }
        if Self.mentions(Self.obfuscation, in: text, words: words) { found.append("obfuscated") }
        for path in protectedPaths where Self.mentionsPath(path, in: text) {
            found.append("protected_path:\(path)")
        }
        return found
    }

    /// A marker with a `/`, `.`, `(` or space is looked for as text; a bare command name as a whole word.
    private static func mentions(_ markers: [String], in text: String, words: Set<Substring>) -> Bool {
        markers.contains { marker in
            marker.contains(where: { "/.( |\\".contains($0) })
                ? text.contains(marker) : words.contains(Substring(marker))
        }
    }

    /// `path` itself, or anything below it.
    private static func mentionsPath(_ path: String, in text: String) -> Bool {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        var search = text[...]
        while let range = search.range(of: trimmed) {
            let next = search[range.upperBound...].first
            if next == nil || next == "/" || !(next!.isLetter || next!.isNumber || "._-".contains(next!)) {
                return true
            }
            search = search[range.upperBound...]
        }
        return false
    }

    private static func words(_ text: String) -> Set<Substring> {
        Set(text.split { !($0.isLetter || $0.isNumber || "._-".contains($0)) })
    }
}

/// Where a package's files go: paths outside the directories packages normally use, files in protected paths,
/// set-user-ID and set-group-ID files.
public enum InstalledPaths {
    /// The directories Debian packages install into.
    public static let usual = ["/usr/", "/etc/", "/var/", "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"]

    public static func isUnusual(_ path: String) -> Bool {
        let directory = path.hasSuffix("/") ? path : path + "/"
        return !usual.contains { directory.hasPrefix($0) } && !usual.contains(directory)
    }

    public static func isProtected(_ path: String, by protectedPaths: [String]) -> String? {
        protectedPaths.first { protected in
            let trimmed = protected.hasSuffix("/") ? String(protected.dropLast()) : protected
            return path == trimmed || path.hasPrefix(trimmed + "/")
        }
    }
}
