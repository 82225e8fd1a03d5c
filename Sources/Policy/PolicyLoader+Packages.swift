import Capabilities
import Foundation
import Yams

extension PolicyLoader {
    /// Reads `packages:` — `root`, `sandbox_uid`, `timeout`, `max_download`, `apt.repositories`, `pip`,
    /// `forbidden`, `pinned`, `protected_paths`, `refuse`, `confirm`. Absent keys keep the defaults.
    mutating func readPackages(_ node: Node?) -> PackagePolicy {
        var policy = PackagePolicy.default
        guard let node, let pairs = reader.mapping(node, "packages") else { return policy }
        reader.rejectUnknownKeys(
            pairs,
            allowed: [
                "root", "sandbox_uid", "timeout", "max_download", "apt", "pip", "forbidden", "pinned",
                "protected_paths", "refuse", "confirm",
            ], in: "packages")
        for pair in pairs {
            let field = "packages.\(pair.key)"
            switch pair.key {
            case "root": policy.root = readAbsoluteFile(pair.value, field) ?? policy.root
            case "sandbox_uid":
                guard let text = reader.scalar(pair.value, field), let uid = UInt32(text), uid >= 1_000,
                    uid != UInt32.max
                else {
                    reader.report(pair.value, "\(field) must be an unused uid from 1000 to 4294967294")
                    continue
                }
                policy.sandboxUID = uid
            case "timeout":
                guard let duration = readDuration(pair.value, field) else { continue }
                guard (10_000...86_400_000).contains(duration.milliseconds) else {
                    reader.report(pair.value, "\(field) must be from 10s to 24h")
                    continue
                }
                policy.timeout = duration
            case "max_download": policy.maximumDownload = readSize(pair.value, field)?.bytes ?? policy.maximumDownload
            case "apt": policy.repositories = readApt(pair.value)
            case "pip": policy.pip = readPip(pair.value)
            case "forbidden": policy.forbidden = readPackageNames(pair.value, field)
            case "pinned":
                guard let pins = reader.mapping(pair.value, field) else { continue }
                for pin in pins where Self.isPackageName(pin.key) {
                    policy.pinned[pin.key] = reader.scalar(pin.value, "\(field).\(pin.key)")
                }
                for pin in pins where !Self.isPackageName(pin.key) {
                    reader.report(pin.keyNode, "\(field): '\(pin.key)' is not a package name")
                }
            case "protected_paths":
                policy.protectedPaths = (reader.sequence(pair.value, field) ?? []).compactMap {
                    readAbsoluteFile($0, field)
                }
            case "refuse": policy.refuse = readFindings(pair.value, field)
            case "confirm": policy.confirm = readFindings(pair.value, field)
            default: break
            }
        }
        return policy
    }

    private mutating func readApt(_ node: Node) -> [PackagePolicy.AptRepository] {
        guard let pairs = reader.mapping(node, "packages.apt") else { return [] }
        reader.rejectUnknownKeys(pairs, allowed: ["repositories"], in: "packages.apt")
        guard let list = pairs.first(where: { $0.key == "repositories" }),
            let items = reader.sequence(list.value, "packages.apt.repositories")
        else { return [] }
        var repositories: [PackagePolicy.AptRepository] = []
        for (index, item) in items.enumerated() {
            let what = "packages.apt.repositories[\(index)]"
            guard let fields = reader.mapping(item, what) else { continue }
            reader.rejectUnknownKeys(fields, allowed: ["name", "uri", "suite", "components", "key"], in: what)
            func value(_ key: String) -> Node? { fields.first { $0.key == key }?.value }
            guard let nameNode = value("name"), let uriNode = value("uri"), let suiteNode = value("suite"),
                let componentsNode = value("components"), let keyNode = value("key")
            else {
                reader.report(item, "\(what) needs name, uri, suite, components and key")
                continue
            }
            guard let name = reader.scalar(nameNode, "\(what).name"), let uri = reader.scalar(uriNode, "\(what).uri"),
                let suite = reader.scalar(suiteNode, "\(what).suite"),
                let key = readAbsoluteFile(keyNode, "\(what).key")
            else { continue }
            if !isValidName(name) { reader.report(nameNode, "\(what).name: '\(name)' is not a valid name") }
            if repositories.contains(where: { $0.name == name }) {
                reader.report(nameNode, "\(what).name: '\(name)' is used twice")
            }
            if !Self.isRepositoryURI(uri) {
                reader.report(uriNode, "\(what).uri: '\(uri)' must be an http:// or https:// address without a query")
            }
            if !Self.isAptWord(suite) { reader.report(suiteNode, "\(what).suite: '\(suite)' is not a suite name") }
            let components = (reader.sequence(componentsNode, "\(what).components") ?? []).compactMap { node in
                reader.scalar(node, "\(what).components").flatMap { component in
                    if Self.isAptWord(component) { return component }
                    reader.report(node, "\(what).components: '\(component)' is not a component name")
                    return nil
                }
            }
            if components.isEmpty { reader.report(componentsNode, "\(what).components must name a component") }
            repositories.append(
                PackagePolicy.AptRepository(name: name, uri: uri, suite: suite, components: components, key: key))
        }
        return repositories
    }

    private mutating func readPip(_ node: Node) -> PackagePolicy.Pip {
        var pip = PackagePolicy.Pip()
        guard let pairs = reader.mapping(node, "packages.pip") else { return pip }
        reader.rejectUnknownKeys(
            pairs, allowed: ["index", "environments", "popular", "minimum_age"], in: "packages.pip")
        for pair in pairs {
            let field = "packages.pip.\(pair.key)"
            switch pair.key {
            case "index":
                guard let text = reader.scalar(pair.value, field) else { continue }
                if Self.isRepositoryURI(text) {
                    pip.index = text
                } else {
                    reader.report(pair.value, "\(field): '\(text)' must be an http:// or https:// address")
                }
            case "environments":
                guard let environments = reader.mapping(pair.value, field) else { continue }
                for environment in environments {
                    guard isValidName(environment.key) else {
                        reader.report(environment.keyNode, "\(field): '\(environment.key)' is not a valid name")
                        continue
                    }
                    pip.environments[environment.key] = readAbsoluteFile(
                        environment.value, "\(field).\(environment.key)")
                }
            case "popular": pip.popular = readPackageNames(pair.value, field)
            case "minimum_age":
                if reader.scalar(pair.value, field) == "off" {
                    pip.minimumAge = nil
                } else {
                    pip.minimumAge = readDuration(pair.value, field)
                }
            default: break
            }
        }
        return pip
    }

    private mutating func readPackageNames(_ node: Node, _ what: String) -> [String] {
        (reader.sequence(node, what) ?? []).compactMap { item in
            guard let name = reader.scalar(item, what) else { return nil }
            guard Self.isPackageName(name) else {
                reader.report(item, "\(what): '\(name)' is not a package name")
                return nil
            }
            return name
        }
    }

    private mutating func readFindings(_ node: Node, _ what: String) -> Set<PackagePolicy.Finding> {
        Set(
            (reader.sequence(node, what) ?? []).compactMap { item in
                guard let text = reader.scalar(item, what) else { return nil }
                guard let finding = PackagePolicy.Finding(rawValue: text) else {
                    let known = PackagePolicy.Finding.allCases.map(\.rawValue).joined(separator: ", ")
                    reader.report(item, "\(what): '\(text)' is not a finding (one of \(known))")
                    return nil
                }
                return finding
            })
    }

    /// Debian and Python package names: letters, digits, `.`, `_`, `+`, `-`, starting with a letter or digit.
    static func isPackageName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.utf8.count <= 128, isWordCharacter(first, extra: "")
        else { return false }
        return text.unicodeScalars.allSatisfy { isWordCharacter($0, extra: "._+-") }
    }

    /// Suite and component names: letters, digits, `.`, `_`, `-`.
    static func isAptWord(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.unicodeScalars.allSatisfy { isWordCharacter($0, extra: "._-") }
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar, extra: String) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || extra.unicodeScalars.contains(scalar)
    }

    static func isRepositoryURI(_ text: String) -> Bool {
        guard let url = URL(string: text), url.host != nil, url.user == nil, url.query == nil, url.fragment == nil
        else { return false }
        return url.scheme == "http" || url.scheme == "https"
    }
}
