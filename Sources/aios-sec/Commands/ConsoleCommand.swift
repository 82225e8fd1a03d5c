import ArgumentParser
import Capabilities
import Console
import Foundation

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The web management console (served by `aios-sec serve --console`).",
        subcommands: [Login.self, Certificate.self])

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a one-time login link for an operator (works once, for 5 minutes).",
            discussion: """
                Needs write access to the state directory (root, for the system daemon): having it is what this \
                command proves. Only the token's SHA-256 is kept, in STATE/console/logins/; the daemon removes it \
                when the link is used. NAME must be an operator in the policy (emergency.operators): the console \
                refuses, and records, a login for anyone else.
                """)

        @OptionGroup var state: StateOptions
        @Option(name: .customLong("operator"), help: "The operator to log in as.") var name: String
        @Option(help: "The console's address, HOST:PORT (default: from STATE/console/address).") var address: String?

        func run() async throws {
            let directory = state.resolved
            guard let address = address ?? ConsoleAddress.read(stateDirectory: directory) else {
                printError(
                    "console login: no console address in \(directory)/console/address; is `aios-sec serve` running "
                        + "with the console on? (or give --address)")
                throw ExitStatus.unavailable
            }
            guard FileManager.default.isWritableFile(atPath: directory) else {
                printError("console login: cannot write \(directory): only its owner (root) makes login links")
                throw ExitStatus.noPermission
            }
            let token: String
            do {
                token = try LoginLinks(stateDirectory: directory).issue(operator: name, now: SystemClock().now())
            } catch {
                printError("console login: \(error)")
                throw ExitStatus.unavailable
            }
            print("https://\(address)/login?token=\(token)")
            printError("valid once, until \(SystemClock().now().adding(LoginLinks.lifetime).rfc3339), for \(name)")
        }
    }
}
