import ArgumentParser
struct AuthorizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "authorize")
}
