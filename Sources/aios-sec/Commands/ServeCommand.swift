import ArgumentParser

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the security daemon (arrives with the daemon issue; this build only checks its policy)."
    )

    func run() throws {
        print("aios-sec serve: the daemon is not part of this build yet.")
    }
}
