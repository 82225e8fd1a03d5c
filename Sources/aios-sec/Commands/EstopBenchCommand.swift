import ArgumentParser
import Foundation

struct EstopBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estop",
        abstract: "The emergency stop of N running agents through the real daemon vs a plain cgroup.freeze loop.",
        discussion: "Needs root and OpenSSH's ssh-keygen. Prints a Markdown table for Benchmarks/RESULTS.md.")

    @Option(help: "Running agents.") var agents = 100
    @Option(help: "Stop-and-resume rounds.") var rounds = 5

    func run() async throws {
        guard geteuid() == 0 else {
            printError("bench estop: needs root")
            throw ExitStatus.noPermission
        }
        guard agents >= 1, agents <= 1000, rounds >= 1 else { throw ValidationError("1–1000 agents, 1 or more rounds") }
        print(try await EstopBenchmark(agents: agents, rounds: rounds).run())
    }
}
