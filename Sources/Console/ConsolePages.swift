import Mustache

/// Renders the templates. Values are plain dictionaries and arrays so that what a page can show is exactly what
/// the route put there.
struct ConsolePages: Sendable {
    /// The templates never change while the daemon runs: compiled once.
    static let shared = ConsolePages()

    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        // The templates are constants of this module: one that does not compile is a programming error that every
        // test of the console hits.
        for (name, text) in ConsoleTemplates.all {
            try! library.register(text, named: name)
        }
        self.library = library
    }

    func render(_ name: String, title: String, session: ConsoleSessions.Session?, _ values: [String: Any] = [:])
        -> String
    {
        var object = values
        object["title"] = title
        if let session {
            object["session"] = ["operator": session.operator, "csrfToken": session.csrfToken]
            object["csrf"] = session.csrfToken
        }
        return library.render(object, withTemplate: name) ?? ""
    }
}
