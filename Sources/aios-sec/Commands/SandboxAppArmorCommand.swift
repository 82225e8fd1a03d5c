import ArgumentParser
import Capabilities
import Policy
import Sandbox

struct SandboxAppArmorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apparmor", abstract: "Print the AppArmor profile rendered from an agent's capabilities.",
        discussion: """
            The same fs: rights as the agent's Landlock rules, TCP when it holds net:connect or net:listen (AppArmor
            cannot filter ports), no capabilities, and ptrace, mount, raw and packet sockets denied. Load it on a
            host with AppArmor with `apparmor_parser -r`; the launcher does not attach it yet. A capability path
            holding a character AppArmor would interpret (a quote, a backslash, a glob, '@', ',') is refused.
            """)

    @Option(help: "The agent.") var agent: String
    @Option(help: "A Unix socket of the daemon the agent may connect to.") var daemonSocket: String?
    @OptionGroup var policy: PolicyOptions

    func run() throws {
        let loaded = try policy.load()
        let name = AgentName(agent)
        guard loaded.agents[name] != nil else {
            printError("sandbox apparmor: no agent '\(agent)' in \(loaded.source)")
            throw ExitStatus.usage
        }
        let capabilities = loaded.authority().capabilitySet().holdings(of: name).map(\.capability)
        do {
            let profile = try AppArmorProfile.render(
                agent: agent, capabilities: capabilities, runtime: loaded.sandbox.runtime, daemonSocket: daemonSocket)
            print(profile.text, terminator: "")
        } catch {
            printError("sandbox apparmor: \(error)")
            throw ExitStatus.dataError
        }
    }
}
