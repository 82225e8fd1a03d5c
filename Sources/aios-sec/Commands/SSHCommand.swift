import ArgumentParser
import Audit
import Capabilities
import Detection
import Emergency
import Foundation
import Policy

struct SSHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "The SSH emergency console: sshd's configuration from the policy (see docs/ssh-console.md).",
        subcommands: [SSHRenderCommand.self, SSHApplyCommand.self]
    )
}

/// Where the console's files go, and the policy they come from.
struct SSHConsoleOptions: ParsableArguments {
    @OptionGroup var policy: PolicyOptions
    @Option(help: "The operators' authorized keys file sshd is pointed to (written by apply, root, 0600).")
    var keysFile = "/etc/aios/ssh/authorized_keys"
    @Option(help: "The login banner file sshd is pointed to (written by apply).")
    var bannerFile = "/etc/aios/ssh/banner"

    func config() throws -> SSHConsoleConfig {
        do {
            return try SSHConsoleConfig(policy: policy.load(), authorizedKeysPath: keysFile, bannerPath: bannerFile)
        } catch let error as SSHConsoleError {
            printError("ssh: \(error)")
            throw ExitStatus.dataError
        }
    }
}

struct SSHRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the sshd drop-in (or, with --keys, the authorized keys file) the policy gives.",
        discussion: "Deterministic: the same policy and options print the same bytes. Nothing is installed.")

    @OptionGroup var console: SSHConsoleOptions
    @Flag(help: "Print the authorized keys file instead of the drop-in.") var keys = false
    @Option(help: "Write to FILE instead of standard output.") var output: String?

    func run() throws {
        let config = try console.config()
        let text = keys ? config.authorizedKeys() : config.dropIn()
        guard let output else {
            print(text, terminator: "")
            return
        }
        do {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            printError("ssh render: cannot write \(output): \(error)")
            throw ExitStatus.software
        }
    }
}

struct SSHApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Install the console: the sshd drop-in, the operators' keys file and the banner.",
        discussion: """
            The drop-in (\(SSHConsoleConfig.dropInName)) is checked with sshd -t and sshd -T on a configuration that \
            reads it before the main one, then the keys file and banner are written, the drop-in is moved into \
            place, and the main configuration is read back: if sshd would not apply the console's settings (the main \
            configuration does not include the directory, another file overrides a setting, another AllowUsers \
            widens who may log in), everything is put back and the command fails. sshd re-reads its configuration \
            only with --reload. Exit 65 for a policy without operators or a configuration sshd refuses.
            """)

    @OptionGroup var console: SSHConsoleOptions
    @Option(help: "sshd's drop-in directory.") var configDir = "/etc/ssh/sshd_config.d"
    @Option(help: "sshd's main configuration (it must include --config-dir).") var mainConfig = "/etc/ssh/sshd_config"
    @Option(help: "The ledger, for the banner's alert count (default: STATE/audit when it exists).") var ledger: String?
    @OptionGroup var state: StateOptions
    @Flag(help: "Tell the running sshd to re-read its configuration (SIGHUP).") var reload = false

    func run() throws {
        let config = try console.config()
        let directory = URL(fileURLWithPath: config.authorizedKeysPath).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let installer = SSHConsoleInstaller(configDirectory: configDir, mainConfig: mainConfig)
        let banner = ConsoleBanner(state: bannerState()).render()
        do {
            try installer.install(config, banner: banner)
            print("installed \(installer.dropInPath), \(config.authorizedKeysPath), \(config.bannerPath)")
            if reload {
                try installer.reload()
                print("sshd reloaded")
            }
        } catch {
            printError("ssh apply: \(error)")
            throw ExitStatus.dataError
        }
    }

    /// What is cheap to know now: the mode (the manual-mode file the daemon and `estop` keep) and the alerts of the
    /// last 24 hours in the ledger.
    private func bannerState() -> ConsoleBanner.State {
        let now = SystemClock().now()
        var state = ConsoleBanner.State(asOf: now)
        switch ManualModeFile(stateDirectory: self.state.resolved).read() {
        case .autonomous: state.mode = "autonomous"
        case .manual: state.mode = "MANUAL (emergency stop)"
        }
        let directory = ledger ?? self.state.resolved + "/audit"
        guard FileManager.default.fileExists(atPath: directory),
            let query = try? AuditQuery(filters: [("type", "security_alert"), ("since", "24h")], now: now)
        else { return state }
        var count = 0
        if (try? LedgerReader(directory: directory).entries(
            matching: query,
            { _ in
                count += 1
                return true
            })) != nil
        {
            state.recentAlerts = count
        }
        return state
    }
}
