import CKeyring

#if canImport(Glibc)
import Glibc
#endif

/// A key or keyring in the Linux kernel keyring, by serial number.
public struct KeySerial: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public var description: String { String(rawValue) }

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let user = KeySerial(rawValue: Int32(AIOS_KEY_SPEC_USER_KEYRING))
}

/// The system calls the vault needs, with errno turned into errors that name the operation (never a value).
enum Keyring {
    /// Permission bits (possessor, user, group, other bytes): view, read, write, search, link, setattr.
    static let possessorAll: UInt32 = 0x3F00_0000

    static func check(_ result: Int, _ operation: String) throws(SecretsError) -> Int {
        guard result >= 0 else { throw .keyring("\(operation): \(String(cString: strerror(errno)))") }
        return result
    }

    static func add(type: String, description: String, payload: UnsafeRawBufferPointer, to keyring: KeySerial)
        throws(SecretsError) -> KeySerial
    {
        let serial = aios_add_key(type, description, payload.baseAddress, payload.count, keyring.rawValue)
        return KeySerial(rawValue: Int32(try check(Int(serial), "add_key \(type) '\(description)'")))
    }

    static func search(_ keyring: KeySerial, type: String, description: String) -> KeySerial? {
        let result = aios_keyctl_search(keyring.rawValue, type, description, 0)
        return result >= 0 ? KeySerial(rawValue: Int32(result)) : nil
    }

    static func setPermissions(_ key: KeySerial, _ permissions: UInt32) throws(SecretsError) {
        _ = try check(aios_keyctl_setperm(key.rawValue, permissions), "setperm \(key)")
    }

    static func link(_ key: KeySerial, into keyring: KeySerial) throws(SecretsError) {
        _ = try check(aios_keyctl_link(key.rawValue, keyring.rawValue), "link \(key) into \(keyring)")
    }

    static func unlink(_ key: KeySerial, from keyring: KeySerial) throws(SecretsError) {
        _ = try check(aios_keyctl_unlink(key.rawValue, keyring.rawValue), "unlink \(key) from \(keyring)")
    }

    /// Replaces a key's payload in place (same serial: every holder sees the new value). Clears its timeout.
    static func update(_ key: KeySerial, _ value: SecretBytes) throws(SecretsError) {
        let result = value.withUnsafeBytes { aios_keyctl_update(key.rawValue, $0.baseAddress, $0.count) }
        _ = try check(result, "update \(key)")
    }

    /// Expires the key this many seconds from now; 0 removes the timeout.
    static func setTimeout(_ key: KeySerial, seconds: UInt32) throws(SecretsError) {
        _ = try check(aios_keyctl_set_timeout(key.rawValue, seconds), "set timeout of \(key)")
    }

    static func revoke(_ key: KeySerial) throws(SecretsError) {
        _ = try check(aios_keyctl_revoke(key.rawValue), "revoke \(key)")
    }

    static func invalidate(_ key: KeySerial) throws(SecretsError) {
        _ = try check(aios_keyctl_invalidate(key.rawValue), "invalidate \(key)")
    }

    /// The payload of a key, into secret storage.
    static func read(_ key: KeySerial) throws(SecretsError) -> SecretBytes {
        var capacity = 256
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let length = try check(
                buffer.withUnsafeMutableBytes { aios_keyctl_read(key.rawValue, $0.baseAddress, capacity) },
                "read \(key)")
            if length <= capacity {
                var value = Array(buffer.prefix(length))
                buffer.withUnsafeMutableBytes { SecretBytes.zero($0) }
                return SecretBytes(consuming: &value)
            }
            buffer.withUnsafeMutableBytes { SecretBytes.zero($0) }
            capacity = length
        }
    }

    /// The serials a keyring holds.
    static func members(_ keyring: KeySerial) throws(SecretsError) -> [KeySerial] {
        var capacity = 64 * 4
        while true {
            var buffer = [Int32](repeating: 0, count: capacity / 4)
            let length = try check(
                buffer.withUnsafeMutableBytes { aios_keyctl_read(keyring.rawValue, $0.baseAddress, capacity) },
                "list \(keyring)")
            if length <= capacity { return buffer.prefix(length / 4).map(KeySerial.init(rawValue:)) }
            capacity = length
        }
    }

    /// `describe`, or nil for a key that is invalidated, revoked or expired: such keys stay listed in their
    /// keyrings until the kernel's garbage collector unlinks them, so every walk over members skips them.
    static func describeLive(_ key: KeySerial) throws(SecretsError) -> (
        type: String, permissions: UInt32, description: String
    )? {
        do {
            return try describe(key)
        } catch {
            if [ENOKEY, EKEYREVOKED, EKEYEXPIRED].contains(errno) { return nil }
            throw error
        }
    }

    /// `type;uid;gid;perm;description` of a key.
    static func describe(_ key: KeySerial) throws(SecretsError) -> (
        type: String, permissions: UInt32, description: String
    ) {
        var buffer = [CChar](repeating: 0, count: 512)
        _ = try check(
            buffer.withUnsafeMutableBufferPointer { aios_keyctl_describe(key.rawValue, $0.baseAddress, 512) },
            "describe \(key)")
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let parts = text.split(separator: ";", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 else { throw .keyring("describe \(key): unexpected '\(text)'") }
        return (parts[0], UInt32(parts[3], radix: 16) ?? 0, parts[4])
    }
}

extension SecretsError {
    static func keyring(_ message: String) -> SecretsError { SecretsError(code: .keyring, message: message) }
}
