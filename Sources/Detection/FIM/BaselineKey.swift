import Crypto
import Secrets

/// The baseline's Ed25519 signing key, kept only in the keyring vault (`fim-baseline-key`, 32 random bytes made by
/// `fim init`), and the digest of the newest baseline signed with it (`fim-baseline-head`), so an older baseline
/// put back is refused too. Like every vault secret it survives restarts, not reboots: seal it into the boot file
/// (`aios-sec secrets seal --from-vault fim-baseline-key …`) to keep it.
public struct BaselineKey: Sendable {
    public static let keySecret = "fim-baseline-key"
    public static let headSecret = "fim-baseline-head"

    public let vault: KeyringVault

    public init(vault: KeyringVault) {
        self.vault = vault
    }

    /// The signing key; created and stored when `create` and the vault has none.
    public func signingKey(create: Bool) throws(DetectionError) -> Curve25519.Signing.PrivateKey {
        if let held = try? vault.read(Self.keySecret) {
            do {
                return try held.withUnsafeBytes { try Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
            } catch {
                throw .badInput("the vault's '\(Self.keySecret)' is not an Ed25519 key (\(held.count) bytes)")
            }
        }
        guard create else {
            throw .unavailable(
                "no '\(Self.keySecret)' in the keyring vault '\(vault.name)' (after a reboot? load it from the boot "
                    + "file with `aios-sec secrets load`; without it no baseline can be trusted: `fim init --force` "
                    + "starts a new one)")
        }
        let key = Curve25519.Signing.PrivateKey()
        var raw = Array(key.rawRepresentation)
        do {
            try vault.store(Self.keySecret, SecretBytes(consuming: &raw))
        } catch {
            throw .unavailable("cannot store '\(Self.keySecret)' in the keyring vault: \(error)")
        }
        return key
    }

    /// The digest of the newest baseline this vault signed, if it holds one.
    public func head() -> [UInt8]? {
        guard let held = try? vault.read(Self.headSecret) else { return nil }
        return held.withUnsafeBytes { Array($0) }
    }

    func storeHead(_ digest: [UInt8]) throws(DetectionError) {
        var copy = digest
        do {
            try vault.store(Self.headSecret, SecretBytes(consuming: &copy))
        } catch {
            throw .unavailable("cannot store '\(Self.headSecret)' in the keyring vault: \(error)")
        }
    }
}
