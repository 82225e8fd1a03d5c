import ArgumentParser
import Foundation

struct SandboxBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Agent sandbox launch vs plain exec and bwrap; freeze and kill many agents; task runner overhead.",
        discussion: "Needs root. Prints Markdown tables for Benchmarks/RESULTS.md.")

    @Option(help: "Launches of each kind.") var runs = 200
    @Option(help: "Running agents to freeze and kill at once.") var agents = 100
    @Option(help: "Task runs of each kind (0 skips the task runner).") var taskRuns = 20

    func run() throws {
        guard geteuid() == 0 else {
            printError("bench sandbox: needs root")
            throw ExitStatus.noPermission
        }
        print(try SandboxBenchmark(runs: runs, agents: agents).run())
        if taskRuns > 0 {
            print("")
            print(try benchmarkTaskOverhead(runs: taskRuns))
        }
    }
}
