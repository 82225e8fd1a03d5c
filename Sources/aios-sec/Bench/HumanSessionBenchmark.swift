import ArgumentParser
import Audit
import Detection
import Foundation
import Synchronization

/// `aios-sec bench human-sessions`: how many execs per second a login session can run while the recorder keeps
/// every one. Each round starts `parallel` shells that each become a login session of their own (they write
/// `/proc/self/loginuid`, as pam_loginuid does, which gives each a fresh audit session id) and exec `/bin/true`
/// `execs` times; the anchor is the same shells in the same run with no recorder. Entries are counted in memory
/// (no ledger), so the figure is the recorder's (kernel events, `/proc` reads, escaping, queue), not the ledger's.
struct HumanSessionBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "human-sessions",
        abstract: "Exec rate of login sessions with and without the session recorder, and what it recorded (root).")

    @Option(help: "Execs per shell.") var execs = 2000
    @Option(help: "Shells at once (each its own session).") var parallel = 1
    @Option(help: "Rounds (alternating without and with the recorder).") var rounds = 3

    func run() throws {
        print("| round | recorder | shells × execs | seconds | execs/s | recorded | argv unknown | dropped | lost |")
        print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
        for round in 1...rounds {
            for recording in [false, true] {
                let counted = Mutex((commands: 0, unknown: 0, lost: 0))
                var recorder: HumanSessionRecorder? = nil
                if recording {
                    let connector: ProcConnector
                    do { connector = try ProcConnector() } catch {
                        printError("bench human-sessions: \(error)")
                        throw ExitStatus.noPermission
                    }
                    recorder = HumanSessionRecorder(
                        operators: [], connector: connector, journal: nil,
                        audit: { drafts in
                            counted.withLock { count in
                                for draft in drafts where draft.eventType == .humanCommand {
                                    if draft.action == "exec.lost" { count.lost += 1 } else { count.commands += 1 }
                                    if case .object(let members) = draft.details,
                                        members.contains(where: { $0.key == "argv_unknown" })
                                    {
                                        count.unknown += 1
                                    }
                                }
                            }
                        })
                    recorder?.start()
                    Thread.sleep(forTimeInterval: 0.3)
                }
                let seconds = try runShells()
                recorder?.stop()
                let total = execs * parallel
                let result = counted.withLock { $0 }
                let dropped = recorder?.statistics.dropped ?? 0
                let lost = recorder.map { $0.statistics.kernel.lost + $0.statistics.kernel.overruns } ?? 0
                print(
                    "| \(round) | \(recording ? "on" : "off") | \(parallel) × \(execs) | "
                        + String(format: "%.2f | %.0f", seconds, Double(total) / seconds)
                        + " | \(recording ? "\(result.commands)" : "—") | \(recording ? "\(result.unknown)" : "—") | "
                        + "\(recording ? "\(dropped)" : "—") | \(recording ? "\(lost)" : "—") |")
            }
        }
        print(
            "\n`recorded` counts every exec of the sessions: each shell's second `sh -c` (after it set its loginuid) plus its execs."
        )
    }

    /// Starts the shells, waits for them; the wall time.
    private func runShells() throws -> Double {
        let script =
            "echo 0 > /proc/self/loginuid && exec sh -c 'i=0; while [ $i -lt \(execs) ]; do /bin/true; "
            + "i=$((i+1)); done'"
        let started = ContinuousClock.now
        var shells: [Process] = []
        for _ in 0..<parallel {
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", script]
            try shell.run()
            shells.append(shell)
        }
        for shell in shells {
            shell.waitUntilExit()
            guard shell.terminationStatus == 0 else {
                printError("bench human-sessions: a shell failed (writing /proc/self/loginuid needs CAP_AUDIT_CONTROL)")
                throw ExitStatus.noPermission
            }
        }
        return (ContinuousClock.now - started) / .seconds(1)
    }
}
