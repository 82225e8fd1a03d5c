import Capabilities
import Yams

extension PolicyLoader {
    static let maximumRandomBytes = 4096

    /// Reads `secrets:`: name → `rotate_every`, `source` (`{command: [...]}` or `{random_bytes: N}`), `grace`,
    /// `agent_copy_ttl`.
    mutating func readSecrets(_ node: Node) -> [SecretPolicy] {
        guard let pairs = reader.mapping(node, "'secrets'") else { return [] }
        return pairs.compactMap { pair in
            guard isValidSecretName(pair.key) else {
                reader.report(pair.keyNode, "'\(pair.key)' is not a valid secret name (1–64 of letters, digits, . _ -)")
                return nil
            }
            return readSecret(pair.key, pair.value)
        }
    }

    private mutating func readSecret(_ name: String, _ node: Node) -> SecretPolicy? {
        guard let fields = reader.mapping(node, "secret '\(name)'") else { return nil }
        reader.rejectUnknownKeys(
            fields, allowed: ["rotate_every", "source", "grace", "agent_copy_ttl"], in: "secret '\(name)'")
        var rotateEvery: GrantDuration? = nil
        var source: SecretPolicy.Source? = nil
        var grace: GrantDuration? = nil
        var ttl: GrantDuration? = nil
        for field in fields {
            switch field.key {
            case "rotate_every": rotateEvery = readDuration(field.value, "rotate_every")
            case "grace": grace = readDuration(field.value, "grace")
            case "agent_copy_ttl": ttl = readDuration(field.value, "agent_copy_ttl")
            case "source": source = readSource(field.value, secret: name)
            default: break
            }
        }
        if rotateEvery != nil && source == nil {
            reader.report(node, "secret '\(name)' has rotate_every but no source to rotate from")
        }
        return SecretPolicy(name: name, rotateEvery: rotateEvery, source: source, grace: grace, agentCopyTTL: ttl)
    }

    private mutating func readSource(_ node: Node, secret: String) -> SecretPolicy.Source? {
        guard let fields = reader.mapping(node, "the source of '\(secret)'") else { return nil }
        guard fields.count == 1, let field = fields.first else {
            reader.report(node, "the source of '\(secret)' is exactly one of 'command' or 'random_bytes'")
            return nil
        }
        switch field.key {
        case "command":
            let words = (reader.sequence(field.value, "command") ?? []).compactMap { reader.scalar($0, "a word") }
            guard let executable = words.first, executable.hasPrefix("/") else {
                reader.report(field.value, "command must be a list starting with an absolute executable path")
                return nil
            }
            return .command(words)
        case "random_bytes":
            guard let text = reader.scalar(field.value, "random_bytes"), let count = Int(text),
                (16...Self.maximumRandomBytes).contains(count)
            else {
                reader.report(field.value, "random_bytes must be a number from 16 to \(Self.maximumRandomBytes)")
                return nil
            }
            return .randomBytes(count)
        default:
            reader.report(field.keyNode, "unknown source '\(field.key)' (command, random_bytes)")
            return nil
        }
    }

    mutating func readDuration(_ node: Node, _ what: String) -> GrantDuration? {
        guard let text = reader.scalar(node, what) else { return nil }
        do {
            return try GrantDuration(parsing: text)
        } catch {
            reader.report(node, "\(what): \(error)")
            return nil
        }
    }

    /// Secret names as the vault accepts them.
    func isValidSecretName(_ name: String) -> Bool { isValidName(name) && name.utf8.count <= 64 }
}
