import Foundation
import Secrets

#if canImport(Glibc)
import Glibc
#endif

/// Puts an ``SSHConsoleConfig`` in place without ever leaving sshd a half-written or invalid configuration:
///
/// 1. the drop-in is staged beside its final name (`….conf.new`, which sshd's `*.conf` include ignores) and
///    checked with `sshd -t` and `sshd -T` on a configuration that reads it first and then the real one;
/// 2. only then are the keys file (root, 0600) and the banner (0644) written, each atomically;
/// 3. the drop-in is renamed into place, and the real configuration is read back with `sshd -T`: when what sshd
///    would apply is not what the console needs (the main configuration does not include the directory, or a
///    file that sorts first overrides a setting), the three files are put back as they were and the install
///    fails with the difference.
///
/// sshd re-reads its configuration only when told (``reload()``); it reads the keys file and the banner at every
/// connection.
public struct SSHConsoleInstaller: Sendable {
    public let configDirectory: String
    public let mainConfig: String
    public let sshd: String

    public init(
        configDirectory: String = "/etc/ssh/sshd_config.d", mainConfig: String = "/etc/ssh/sshd_config",
        sshd: String = "/usr/sbin/sshd"
    ) {
        // sshd reads a relative Include below /etc/ssh, not below the directory the command runs in.
        self.configDirectory = URL(fileURLWithPath: configDirectory).standardizedFileURL.path
        self.mainConfig = URL(fileURLWithPath: mainConfig).standardizedFileURL.path
        self.sshd = sshd
    }

    public var dropInPath: String { configDirectory + "/" + SSHConsoleConfig.dropInName }

    /// Checks and installs; returns sshd's effective settings (`sshd -T`).
    @discardableResult
    public func install(_ config: SSHConsoleConfig, banner: String) throws(SSHConsoleError) -> [String: [String]] {
        let staged = dropInPath + ".new"
        let checkConfig = dropInPath + ".check"
        defer {
            unlink(staged)
            unlink(checkConfig)
        }
        try write(config.dropIn(), to: staged, mode: 0o644)
        try write("Include \(staged)\nInclude \(mainConfig)\n", to: checkConfig, mode: 0o600)
        // The installed drop-in is read too (after the staged one): its AllowUsers add to the new ones, so they are
        // compared only in the final check, when it has been replaced.
        let staging = try effectiveSettings(of: checkConfig, expecting: config, comparingAllowUsers: false)
        if staging["strictmodes"] == ["yes"] { try Self.checkStrictModes(config.authorizedKeysPath) }
        let previous = [dropInPath, config.authorizedKeysPath, config.bannerPath].map { ($0, Self.contents($0)) }
        do throws(SSHConsoleError) {
            try write(config.authorizedKeys(), to: config.authorizedKeysPath, mode: 0o600)
            try write(banner, to: config.bannerPath, mode: 0o644)
            guard rename(staged, dropInPath) == 0 else {
                throw SSHConsoleError("cannot rename \(staged) to \(dropInPath): \(String(cString: strerror(errno)))")
            }
            return try effectiveSettings(of: mainConfig, expecting: config, comparingAllowUsers: true)
        } catch {
            for (path, content) in previous {
                if let content {
                    try? write(content, to: path, mode: path == config.authorizedKeysPath ? 0o600 : 0o644)
                } else {
                    unlink(path)
                }
            }
            throw error
        }
    }

    /// Tells the running sshd to re-read its configuration (SIGHUP to the pid in its pid file, after checking that
    /// the pid is sshd's: a stale pid file must not signal another process).
    public func reload() throws(SSHConsoleError) {
        let settings = try run([sshd, "-T", "-f", mainConfig])
        guard let pidFile = settings["pidfile"]?.first else { throw SSHConsoleError("sshd -T names no pid file") }
        guard let text = Self.contents(pidFile),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        else { throw SSHConsoleError("sshd is not running (no pid in \(pidFile))") }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
        guard executable.hasSuffix("/sshd") else {
            throw SSHConsoleError("pid \(pid) from \(pidFile) is not sshd (\(executable)): not signalled")
        }
        guard kill(pid, SIGHUP) == 0 else {
            throw SSHConsoleError("cannot signal sshd (pid \(pid)): \(String(cString: strerror(errno)))")
        }
    }

    /// sshd's StrictModes refuses a keys file when it or any directory above it is writable by anyone but root:
    /// the console would then let nobody in, so such a place is refused here, before anything is written.
    static func checkStrictModes(_ keysFile: String) throws(SSHConsoleError) {
        var path = URL(fileURLWithPath: keysFile).deletingLastPathComponent().path
        while true {
            var info = stat()
            if stat(path, &info) == 0, info.st_uid != 0 || info.st_mode & 0o022 != 0 {
                throw SSHConsoleError(
                    "sshd (StrictModes) would refuse \(keysFile): \(path) is writable by others or not root's")
            }
            if path == "/" || path.isEmpty { return }
            path = URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
    }

    /// Debian's sshd's compiled-in privilege-separation directory.
    static let privilegeSeparationDirectory = "/run/sshd"

    /// `sshd -t` then `sshd -T` on `file`; throws unless every setting the console needs has its value.
    private func effectiveSettings(of file: String, expecting config: SSHConsoleConfig, comparingAllowUsers: Bool)
        throws(SSHConsoleError) -> [String: [String]]
    {
        // sshd refuses any check without its privilege-separation directory, which Debian's unit makes when the
        // service starts: on a machine where sshd has not run since boot, it is made here as the unit would.
        if mkdir(Self.privilegeSeparationDirectory, 0o755) != 0, errno != EEXIST {
            throw SSHConsoleError(
                "cannot create \(Self.privilegeSeparationDirectory): \(String(cString: strerror(errno)))")
        }
        _ = try run([sshd, "-t", "-f", file])
        let settings = try run([sshd, "-T", "-f", file])
        var wrong: [String] = []
        func expect(_ key: String, _ accepted: [String]) {
            let values = settings[key] ?? []
            if !values.contains(where: { accepted.contains($0) }) {
                wrong.append(
                    "\(key) is \(values.isEmpty ? "unset" : values.joined(separator: ", ")), not \(accepted[0])")
            }
        }
        expect("passwordauthentication", ["no"])
        expect("kbdinteractiveauthentication", ["no"])
        expect("hostbasedauthentication", ["no"])
        expect("permitrootlogin", ["prohibit-password", "without-password"])
        expect("authenticationmethods", ["publickey"])
        expect("pubkeyauthentication", ["yes"])
        expect("usepam", ["yes"])
        expect("loglevel", ["VERBOSE"])
        expect("authorizedkeysfile", [config.authorizedKeysPath])
        expect("authorizedkeyscommand", ["none"])
        expect("trustedusercakeys", ["none"])
        expect("port", [String(config.port)])
        let allowed = Set(settings["allowusers"] ?? [])
        let wanted = Set(config.allowedSources.map { "root@" + $0 })
        if comparingAllowUsers && allowed != wanted {
            wrong.append(
                "allowusers is \(allowed.isEmpty ? "unset" : allowed.sorted().joined(separator: " ")), not \(wanted.sorted().joined(separator: " "))"
            )
        }
        guard wrong.isEmpty else {
            throw SSHConsoleError(
                "sshd would not apply the console's settings from \(file): " + wrong.joined(separator: "; "))
        }
        return settings
    }

    /// Runs sshd; its `key value` output lines (for -T) by key. Throws with sshd's message when it fails.
    private func run(_ arguments: [String]) throws(SSHConsoleError) -> [String: [String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw SSHConsoleError("cannot run \(arguments[0]): \(error)") }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SSHConsoleError("\(arguments.joined(separator: " ")) failed: \(message)")
        }
        var settings: [String: [String]] = [:]
        for line in String(decoding: outputData, as: UTF8.self).split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 1)
            guard words.count == 2 else { continue }
            settings[String(words[0]), default: []].append(String(words[1]))
        }
        return settings
    }

    private func write(_ text: String, to path: String, mode: mode_t) throws(SSHConsoleError) {
        do {
            try AtomicFile.write(Array(text.utf8), to: path, mode: mode)
        } catch {
            throw SSHConsoleError("cannot write \(path): \(error)")
        }
    }

    private static func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
}
