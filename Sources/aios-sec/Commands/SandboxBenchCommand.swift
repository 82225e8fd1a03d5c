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

struct FirewallBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firewall",
        abstract:
            "Blocklist add (in-process libnftables) and atomic 10,000-element set replacement, in a fresh namespace.",
        discussion: "Needs root. Prints a Markdown table for Benchmarks/RESULTS.md.")

    @Option(help: "Single-address adds to time.") var adds = 2_000
    @Option(help: "Whole-set replacements to time.") var replaces = 10

    func run() throws {
        guard geteuid() == 0 else {
            printError("bench firewall: needs root")
            throw ExitStatus.noPermission
        }
        print(try benchmarkFirewall(adds: adds, replaces: replaces))
    }
}

/// `aios-sec bench ids`: the same as `aios-sec ids bench`, under the benchmarks.
struct IDSBenchAlias: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ids",
        abstract: "Replay vs fail2ban-regex on a generated auth.log, bans vs the ground truth, live block latency.",
        discussion: "Run from the repository root (the log is generated into Benchmarks/work/ids/).")

    @Option(help: "Lines of the generated auth.log.") var lines = 1_000_000

    func run() throws { print(try benchmarkIDS(lines: lines)) }
}
