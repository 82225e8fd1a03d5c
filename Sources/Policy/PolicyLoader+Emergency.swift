import Capabilities
import Yams

extension PolicyLoader {
    /// Reads `emergency:` — `operators` (name → `ssh_keys`, a list of `authorized_keys` lines), `resume_quorum`
    /// (1 or 2, at most the number of operators), `freeze_timeout` (a duration, or `never`), `challenge_lifetime`,
    /// `ssh_port`.
    mutating func readEmergency(_ node: Node) -> EmergencyPolicy {
        var policy = EmergencyPolicy.default
        guard let pairs = reader.mapping(node, "'emergency'") else { return policy }
        reader.rejectUnknownKeys(
            pairs, allowed: ["operators", "resume_quorum", "freeze_timeout", "challenge_lifetime", "ssh_port"],
            in: "'emergency'")
        var quorumNode: Node? = nil
        for pair in pairs {
            switch pair.key {
            case "operators": policy.operators = readOperators(pair.value)
            case "resume_quorum":
                quorumNode = pair.value
                policy.resumeQuorum = readInteger(pair.value, "emergency.resume_quorum", 1...2) ?? 1
            case "freeze_timeout":
                if case .scalar(let scalar) = pair.value, scalar.string == "never" {
                    policy.freezeTimeout = nil
                } else {
                    policy.freezeTimeout = readDuration(pair.value, "emergency.freeze_timeout")
                }
            case "challenge_lifetime":
                policy.challengeLifetime =
                    readDuration(pair.value, "emergency.challenge_lifetime") ?? policy.challengeLifetime
            case "ssh_port":
                policy.sshPort = readInteger(pair.value, "emergency.ssh_port", 1...65_535).map(UInt16.init) ?? 22
            default: break
            }
        }
        if let quorumNode, policy.resumeQuorum > policy.operators.count {
            reader.report(
                quorumNode,
                "emergency.resume_quorum is \(policy.resumeQuorum) but only \(policy.operators.count) operator(s) "
                    + "are named: nobody could ever resume")
        }
        return policy
    }

    private mutating func readOperators(_ node: Node) -> [EmergencyPolicy.Operator] {
        guard let pairs = reader.mapping(node, "emergency.operators") else { return [] }
        var seenKeys: [SSHPublicKey: String] = [:]
        var operators: [EmergencyPolicy.Operator] = []
        for pair in pairs {
            guard isValidName(pair.key), pair.key.utf8.count <= 64 else {
                reader.report(
                    pair.keyNode, "'\(pair.key)' is not a valid operator name (1–64 of letters, digits, . _ -)")
                continue
            }
            let what = "operator '\(pair.key)'"
            guard let fields = reader.mapping(pair.value, what) else { continue }
            reader.rejectUnknownKeys(fields, allowed: ["ssh_keys"], in: what)
            guard let keysNode = fields.first(where: { $0.key == "ssh_keys" })?.value else {
                reader.report(pair.value, "\(what) needs 'ssh_keys' (a list of authorized_keys lines)")
                continue
            }
            var keys: [SSHPublicKey] = []
            for item in reader.sequence(keysNode, "ssh_keys of \(what)") ?? [] {
                guard let line = reader.scalar(item, "an SSH public key") else { continue }
                do {
                    let key = try SSHPublicKey(parsing: line)
                    if let owner = seenKeys[key] {
                        reader.report(
                            item, "this key is already \(owner == pair.key ? "listed" : "operator '\(owner)''s")")
                        continue
                    }
                    seenKeys[key] = pair.key
                    keys.append(key)
                } catch {
                    reader.report(item, "ssh_keys of \(what): \(error)")
                }
            }
            if keys.isEmpty { reader.report(keysNode, "\(what) has no SSH key") }
            operators.append(EmergencyPolicy.Operator(name: pair.key, sshKeys: keys))
        }
        return operators
    }
}
