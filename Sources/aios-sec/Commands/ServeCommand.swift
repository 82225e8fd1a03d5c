import ArgumentParser
import Foundation
import Policy

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the security daemon.",
        discussion: """
            This build checks the policy and the state directory and says what it would serve; the daemon itself
            (gRPC over mTLS, the Gate and the Broker, the audit ledger, the internal CA) is not part of it yet.
            """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var policyOptions: PolicyOptions

    @Option(help: "Address to listen on (loopback by default).")
    var listen = "127.0.0.1:7443"

    func run() throws {
        let policy = try policyOptions.load()
        let directory = state.resolved
        print("aios-sec serve")
        print("  policy:          \(policy.source) — \(policy.roles.count) roles, \(policy.tools.tools.count) tools")
        print("  state directory: \(directory)")
        print("  listen:          \(listen)")
        print("The daemon is not part of this build yet: nothing is served. Try, meanwhile:")
        print("  aios-sec policy show")
        print(
            "  aios-sec authorize --agent aios-agent-system --tool fs.write --arg path=/etc/nginx/nginx.conf --arg content=x"
        )
    }
}

/// `--state-dir DIR`: where the product keeps its state.
struct StateOptions: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: """
            State directory (default: $AIOS_STATE_DIR; else /var/lib/aios when run as a systemd service, \
            ./.aios otherwise).
            """)
    var directory: String?

    var resolved: String {
        if let directory { return directory }
        let environment = ProcessInfo.processInfo.environment
        if let fromEnvironment = environment["AIOS_STATE_DIR"], !fromEnvironment.isEmpty { return fromEnvironment }
        if environment["INVOCATION_ID"] != nil { return "/var/lib/aios" }
        return FileManager.default.currentDirectoryPath + "/.aios"
    }
}
