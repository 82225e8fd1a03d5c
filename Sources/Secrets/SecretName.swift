/// Secret names: letters, digits, `.`, `_`, `-`, 1 to 64 characters (`anthropic-api-key`). A name is not secret.
public enum SecretName {
    public static func validate(_ name: String) throws(SecretsError) {
        let valid =
            (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
        guard valid else { throw .input("'\(name.prefix(64))' is not a secret name (1–64 of letters, digits, . _ -)") }
    }
}
