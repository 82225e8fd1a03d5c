import ArgumentParser

@main
struct AIOSSec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aios-sec",
        abstract: "aiOS Security: capabilities, policy and the security daemon for AI-run Linux machines.",
        discussion: """
            Exit codes: 0 success or allowed, 1 denied or check failed, 64 usage error, 65 bad input data,
            69 a needed service or kernel feature is unavailable, 70 internal error, 77 permission denied.
            """,
        subcommands: [
            ServeCommand.self, PolicyCommand.self, AuthorizeCommand.self, AuditCommand.self, SecretsCommand.self,
            CACommand.self, CallCommand.self, MCPCommand.self, SandboxCommand.self, TaskCommand.self,
            FirewallCommand.self, IDSCommand.self, FIMCommand.self, SSHCommand.self, StatusCommand.self,
            EstopCommand.self, ResumeCommand.self, RecoveryCommand.self, ConsoleCommand.self, EventsCommand.self,
            ReviewCommand.self, AnalysisCommand.self, ModelCommand.self, BenchCommand.self,
        ]
    )
}
