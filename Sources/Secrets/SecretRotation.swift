/// Rotation in place: the master and every agent's copy get the new value under the same serials (holders read
/// the new value at once), copies' expiry is re-armed (an update clears it), and the previous value stays
/// readable as `NAME@previous` for a grace period only when one is given — the kernel removes it when its
/// timeout runs out.
public enum SecretRotation {
    public static let previousSuffix = "@previous"

    public struct Outcome: Sendable {
        public let name: String
        /// Agents whose copy was updated.
        public let agents: [String]
        public let graceSeconds: UInt32?
    }

    public static func rotate(
        _ name: String, to value: SecretBytes, in vault: KeyringVault, graceSeconds: UInt32?, copyTTLSeconds: UInt32?
    ) throws(SecretsError) -> Outcome {
        try SecretName.validate(name)
        guard value.count > 0 else { throw .input("the new value of '\(name)' is empty") }
        guard let master = Keyring.search(vault.serial, type: "user", description: KeyringVault.secretPrefix + name)
        else { throw .input("no secret '\(name)' in the vault") }
        let holders = try AgentKeyring.all(in: vault).filter { $0.copy(of: name) != nil }
        let previousName = name + previousSuffix
        if let grace = graceSeconds {
            let old = try Keyring.read(master)
            let kept = try vault.storeUnchecked(previousName, old)
            try Keyring.setTimeout(kept, seconds: grace)
            for ring in holders {
                let copy = try ring.storeCopy(name: previousName, value: old)
                try Keyring.setPermissions(copy, AgentKeyring.copyPermissions)
                try Keyring.setTimeout(copy, seconds: grace)
            }
        } else {
            // No grace: an older grace value must not outlive this rotation either.
            for ring in [vault.serial] + holders.map(\.serial) {
                if let stale = Keyring.search(ring, type: "user", description: KeyringVault.secretPrefix + previousName)
                {
                    try Keyring.invalidate(stale)
                }
            }
        }
        try Keyring.update(master, value)
        for ring in holders {
            guard let copy = ring.copy(of: name) else { continue }
            try Keyring.update(copy, value)
            if let ttl = copyTTLSeconds { try Keyring.setTimeout(copy, seconds: ttl) }
        }
        return Outcome(name: name, agents: holders.map(\.agent).sorted(), graceSeconds: graceSeconds)
    }
}
