import Packages

/// Feeds arbitrary bytes (as UTF-8, invalid sequences repaired) to the readers of what a repository and a package
/// archive say once their signature and hashes are checked: Debian control paragraphs (`InRelease`, `Packages`)
/// and `dpkg-deb --contents` listings, and the maintainer-script scanner. Properties checked: a parse either
/// throws or returns fields with non-empty names and no newline in a name; every listed member is an absolute
/// path that is not `/`; the scanner names only its fixed categories or protected paths.
public func fuzzPackageIndex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let stanzas = try? ControlStanza.parse(text) {
        for stanza in stanzas {
            guard !stanza.fields.isEmpty else { fatalError("an empty paragraph") }
            for field in stanza.fields where field.name.isEmpty || field.name.contains("\n") {
                fatalError("a field without a proper name")
            }
            _ = stanza.table("SHA256")
        }
    }
    if let members = try? ArchiveMember.parse(text) {
        for member in members where !member.path.hasPrefix("/") || member.path == "/" {
            fatalError("a member outside the root: \(member.path)")
        }
    }
    let categories: Set<String> = ["network", "users", "services", "obfuscated"]
    for touch in ScriptScanner(protectedPaths: ["/etc/sudoers"]).touches(text)
    where !categories.contains(touch) && touch != "protected_path:/etc/sudoers" {
        fatalError("an unknown category \(touch)")
    }
    return 0
}
