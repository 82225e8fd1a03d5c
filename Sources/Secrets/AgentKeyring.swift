/// One agent's copies of the secrets it may read: a keyring `aios:agent:<name>` in the vault's sibling keyring
/// `<vault>:agents` (not inside the vault, so a recursive search of the vault finds only masters), holding a
/// separate key per secret (`aios:secret:<name>`, the same description as the master, in another keyring so
/// `add_key` cannot update the master by mistake). The daemon links this keyring into each of the agent's
/// session keyrings; the agent then possesses the copies — view, read, search — and nothing else: it cannot
/// update, revoke, change permissions of, or link them, and never reaches the vault or a master. Rotation updates
/// the copies in place (same serials), so a running agent reads the new value at once.
public struct AgentKeyring: Sendable {
    public let agent: String
    public let serial: KeySerial

    static let prefix = "aios:agent:"
    /// Possessor: view, read, search. Owner (the vault's uid): everything. Nobody else: nothing.
    public static let copyPermissions: UInt32 = 0x0B3F_0000

    /// Finds or creates the agent's keyring in the vault.
    public static func openOrCreate(agent: String, in vault: KeyringVault) throws(SecretsError) -> AgentKeyring {
        let description = prefix + agent
        let agents = try vault.agentRings()
        if let existing = Keyring.search(agents, type: "keyring", description: description) {
            return AgentKeyring(agent: agent, serial: existing)
        }
        let ring = try Keyring.add(
            type: "keyring", description: description, payload: UnsafeRawBufferPointer(start: nil, count: 0),
            to: agents)
        try Keyring.setPermissions(ring, copyPermissions)
        return AgentKeyring(agent: agent, serial: ring)
    }

    /// Every agent keyring in the vault.
    public static func all(in vault: KeyringVault) throws(SecretsError) -> [AgentKeyring] {
        var rings: [AgentKeyring] = []
        for key in try Keyring.members(try vault.agentRings()) {
            guard let described = try Keyring.describeLive(key) else { continue }
            guard described.type == "keyring", described.description.hasPrefix(prefix) else { continue }
            rings.append(AgentKeyring(agent: String(described.description.dropFirst(prefix.count)), serial: key))
        }
        return rings
    }

    /// Makes the keyring hold exactly a copy of each named secret (current master values), removing copies of
    /// secrets no longer named. `ttl` gives a copy's expiry in seconds (nil: none).
    @discardableResult
    public func provide(
        _ names: [String], from vault: KeyringVault, ttl: (String) -> UInt32?
    ) throws(SecretsError) -> [(name: String, serial: KeySerial)] {
        var copies: [(name: String, serial: KeySerial)] = []
        for name in names.sorted() {
            let value = try vault.read(name)
            let copy: KeySerial = try storeCopy(name: name, value: value)
            try Keyring.setPermissions(copy, Self.copyPermissions)
            if let seconds = ttl(name) { try Keyring.setTimeout(copy, seconds: seconds) }
            copies.append((name, copy))
        }
        // A rotation's grace copy (`NAME@previous`) stays while the secret itself is still handed over.
        let wanted = Set(
            names.flatMap { [KeyringVault.secretPrefix + $0, KeyringVault.secretPrefix + $0 + "@previous"] })
        for key in try Keyring.members(serial) {
            guard let described = try Keyring.describeLive(key) else { continue }
            if !wanted.contains(described.description) { try Keyring.unlink(key, from: serial) }
        }
        return copies
    }

    func storeCopy(name: String, value: SecretBytes) throws(SecretsError) -> KeySerial {
        let ring = serial
        let result: Result<KeySerial, SecretsError> = value.withUnsafeBytes { bytes in
            Result { () throws(SecretsError) in
                try Keyring.add(type: "user", description: KeyringVault.secretPrefix + name, payload: bytes, to: ring)
            }
        }
        return try result.get()
    }

    /// Links this keyring into a child's session keyring (which the launcher made writable by its owner — us —
    /// and read-only to the child).
    public func link(into session: KeySerial) throws(SecretsError) {
        try Keyring.link(serial, into: session)
    }

    /// The copy of one secret, if the agent holds one.
    func copy(of name: String) -> KeySerial? {
        Keyring.search(serial, type: "user", description: KeyringVault.secretPrefix + name)
    }

    /// Names of the copies held.
    public func names() throws(SecretsError) -> [String] {
        var names: [String] = []
        for key in try Keyring.members(serial) {
            guard let described = try Keyring.describeLive(key) else { continue }
            guard described.type == "user", described.description.hasPrefix(KeyringVault.secretPrefix),
                !described.description.hasSuffix(SecretRotation.previousSuffix)
            else { continue }
            names.append(String(described.description.dropFirst(KeyringVault.secretPrefix.count)))
        }
        return names.sorted()
    }
}
