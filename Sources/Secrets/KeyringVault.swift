/// The vault: a keyring linked into the current user's keyring (`@u`), so it outlives the daemon's process, with
/// possessor-only permissions (`0x3f000000`), so a process of the same uid that does not possess it — a fresh
/// session, an agent — cannot view, read, link or change it. Each secret is a `user` key `aios:secret:<name>` in
/// it, possessor-only as well. Root can always reach it (see the threat model).
public struct KeyringVault: Sendable {
    public let name: String
    public let serial: KeySerial

    public static let defaultName = "aios:vault"
    public static let secretPrefix = "aios:secret:"

    /// Finds the vault in `@u`, or creates it there.
    public static func openOrCreate(name: String = defaultName) throws(SecretsError) -> KeyringVault {
        KeyringVault(name: name, serial: try privateKeyring(name))
    }

    /// A possessor-only keyring directly in `@u`, found by name or created.
    static func privateKeyring(_ name: String) throws(SecretsError) -> KeySerial {
        if let existing = Keyring.search(.user, type: "keyring", description: name) { return existing }
        let serial = try Keyring.add(
            type: "keyring", description: name, payload: UnsafeRawBufferPointer(start: nil, count: 0), to: .user)
        try Keyring.setPermissions(serial, Keyring.possessorAll)
        return serial
    }

    /// The keyring holding the agents' keyrings of copies (see ``AgentKeyring``).
    func agentRings() throws(SecretsError) -> KeySerial { try Self.privateKeyring(name + ":agents") }

    /// Adds or replaces (the kernel updates a key of the same type and description in place) one secret.
    @discardableResult
    public func store(_ name: String, _ value: SecretBytes) throws(SecretsError) -> KeySerial {
        try SecretName.validate(name)
        return try storeUnchecked(name, value)
    }

    /// `store` without the name check, for the vault's own derived names (`NAME@previous`).
    func storeUnchecked(_ name: String, _ value: SecretBytes) throws(SecretsError) -> KeySerial {
        let vault = serial
        let result: Result<KeySerial, SecretsError> = value.withUnsafeBytes { bytes in
            Result { () throws(SecretsError) in
                try Keyring.add(type: "user", description: Self.secretPrefix + name, payload: bytes, to: vault)
            }
        }
        let key = try result.get()
        try Keyring.setPermissions(key, Keyring.possessorAll)
        return key
    }

    public func read(_ name: String) throws(SecretsError) -> SecretBytes {
        guard let key = Keyring.search(serial, type: "user", description: Self.secretPrefix + name) else {
            throw .input("no secret '\(name)' in the vault")
        }
        return try Keyring.read(key)
    }

    /// Names of the secrets held, sorted, with their serials (never values).
    public func list() throws(SecretsError) -> [(name: String, serial: KeySerial)] {
        var found: [(name: String, serial: KeySerial)] = []
        for key in try Keyring.members(serial) {
            guard let described = try Keyring.describeLive(key) else { continue }
            guard described.type == "user", described.description.hasPrefix(Self.secretPrefix) else { continue }
            found.append((String(described.description.dropFirst(Self.secretPrefix.count)), key))
        }
        return found.sorted { $0.name < $1.name }
    }

    /// Destroys the vault and everything in it at once (tests, and the operator's "forget all secrets").
    public func destroy() throws(SecretsError) {
        let agents = try agentRings()
        for ring in try Keyring.members(agents) {
            for key in (try? Keyring.members(ring)) ?? [] { try? Keyring.invalidate(key) }
            try? Keyring.invalidate(ring)
        }
        try Keyring.invalidate(agents)
        for key in try Keyring.members(serial) { try? Keyring.invalidate(key) }
        try Keyring.invalidate(serial)
    }
}
