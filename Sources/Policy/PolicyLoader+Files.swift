import Yams

extension PolicyLoader {
    /// Reads `ids.files:` — a list of watched paths, each `{path, rules, exclude, max_size}`: `rules` is a named set
    /// (`full`, the default, or `permissions`) or a list of rule names; `exclude` lists absolute paths beneath
    /// `path`; `max_size` (bytes, or with a K, M, G or T suffix) bounds the files whose content is hashed. An empty
    /// list watches nothing.
    mutating func readFileWatches(_ node: Node, _ what: String) -> FileWatchPolicy {
        guard let items = reader.sequence(node, what) else { return .default }
        var entries: [FileWatch] = []
        for item in items {
            guard let watch = readFileWatch(item, what) else { continue }
            if entries.contains(where: { $0.path == watch.path }) {
                reader.report(item, "\(what): '\(watch.path)' is listed twice")
                continue
            }
            entries.append(watch)
        }
        return FileWatchPolicy(entries: entries)
    }

    private mutating func readFileWatch(_ node: Node, _ what: String) -> FileWatch? {
        guard let pairs = reader.mapping(node, "an entry of \(what)") else { return nil }
        reader.rejectUnknownKeys(pairs, allowed: ["path", "rules", "exclude", "max_size"], in: "an entry of \(what)")
        guard let pathPair = pairs.first(where: { $0.key == "path" }) else {
            reader.report(node, "an entry of \(what) needs a 'path'")
            return nil
        }
        guard let path = readWatchedPath(pathPair.value, "\(what).path") else { return nil }
        var watch = FileWatch(path: path, rules: .full)
        for pair in pairs {
            let field = "\(what) '\(path)' \(pair.key)"
            switch pair.key {
            case "rules": watch.rules = readFileRules(pair.value, field) ?? watch.rules
            case "exclude":
                for item in reader.sequence(pair.value, field) ?? [] {
                    guard let excluded = readWatchedPath(item, field) else { continue }
                    guard excluded.hasPrefix(path == "/" ? "/" : path + "/") else {
                        reader.report(item, "\(field): '\(excluded)' is not beneath '\(path)'")
                        continue
                    }
                    watch.exclude.append(excluded)
                }
            case "max_size": watch.maxHashSize = readByteSize(pair.value, field) ?? watch.maxHashSize
            default: break
            }
        }
        return watch
    }

    /// An absolute path without `.`, `..`, empty components or a trailing `/` (one spelling per file).
    private mutating func readWatchedPath(_ node: Node, _ what: String) -> String? {
        guard let text = reader.scalar(node, what) else { return nil }
        let components = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let valid =
            text.hasPrefix("/") && !text.utf8.contains(0)
            && (text == "/" || components.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." })
        guard valid else {
            reader.report(
                node, "\(what): '\(text)' must be an absolute path without '.', '..', '//' or a trailing '/'",
                columnOffset: YAMLReader.contentOffset(node))
            return nil
        }
        return text
    }

    private mutating func readFileRules(_ node: Node, _ what: String) -> FileRules? {
        if case .scalar = node {
            guard let name = reader.scalar(node, what) else { return nil }
            guard let set = FileRules.sets.first(where: { $0.name == name }) else {
                let known = FileRules.sets.map(\.name).joined(separator: ", ")
                reader.report(node, "\(what): unknown rule set '\(name)' (named sets: \(known); or a list of rules)")
                return nil
            }
            return set.rules
        }
        guard let items = reader.sequence(node, what) else { return nil }
        var rules: FileRules = []
        for item in items {
            guard let name = reader.scalar(item, "a rule") else { continue }
            guard let rule = FileRules.names.first(where: { $0.name == name }) else {
                let known = FileRules.names.map(\.name).joined(separator: ", ")
                reader.report(item, "\(what): unknown rule '\(name)' (rules: \(known))")
                continue
            }
            rules.insert(rule.rules)
        }
        return rules
    }

    private mutating func readByteSize(_ node: Node, _ what: String) -> Int64? {
        guard let text = reader.scalar(node, what) else { return nil }
        let shifts: [Character: Int64] = ["K": 10, "M": 20, "G": 30, "T": 40]
        let shift = text.last.flatMap { shifts[$0] } ?? 0
        let digits = shift == 0 ? Substring(text) : text.dropLast()
        guard digits.allSatisfy(\.isASCII), let value = Int64(digits), value > 0, value <= (Int64.max >> shift)
        else {
            reader.report(node, "\(what) must be a positive number of bytes, optionally with K, M, G or T")
            return nil
        }
        return value << shift
    }
}
