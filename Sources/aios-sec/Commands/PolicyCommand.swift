import ArgumentParser
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "policy")
}
