import Audit
import Capabilities

/// Reads a manifest strictly: the known members only, each of its type; file names plain and distinct; digests
/// 64 lower-case hex digits; a created time in RFC 3339.
enum ModelManifestParser {
    static let members = ["format", "model", "created", "files", "key", "signature"]

    static func parse(_ bytes: [UInt8]) throws(GuardError) -> ModelManifest {
        guard bytes.count <= ModelManifest.maximumBytes else {
            throw GuardError("model manifest: more than \(ModelManifest.maximumBytes) bytes")
        }
        let root: JSONValue
        do { root = try JSONParser.parse(bytes: bytes) } catch { throw GuardError("model manifest: \(error)") }
        guard case .object(let top) = root else { throw GuardError("model manifest: must be a JSON object") }
        for member in top where !members.contains(member.key) {
            throw GuardError("model manifest: unknown member \"\(member.key)\"")
        }
        let format = try string(root, "format")
        guard format == ModelManifest.format else {
            throw GuardError("model manifest: format \"\(format)\"; this reader knows \"\(ModelManifest.format)\"")
        }
        let createdText = try string(root, "created")
        guard let created = Timestamp(rfc3339: createdText) else {
            throw GuardError("model manifest: created: not an RFC 3339 time")
        }
        guard case .array(let items)? = root["files"] else {
            throw GuardError("model manifest: files: must be an array")
        }
        var files: [ModelManifest.File] = []
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item, fields.count == 2 else {
                throw GuardError("model manifest: files[\(index)]: must be {\"name\", \"sha256\"}")
            }
            files.append(
                ModelManifest.File(
                    name: try string(item, "name", at: "files[\(index)]."),
                    sha256: try string(item, "sha256", at: "files[\(index)].")))
        }
        let signature: String?
        switch root["signature"] {
        case nil: signature = nil
        case .string(let text)?: signature = text
        default: throw GuardError("model manifest: signature: must be a string")
        }
        let manifest = ModelManifest(
            model: try string(root, "model"), created: created, files: files, key: try string(root, "key"),
            signature: signature)
        try check(manifest)
        return manifest
    }

    /// What a manifest must be, whether parsed or about to be signed.
    static func check(_ manifest: ModelManifest) throws(GuardError) {
        guard !manifest.model.isEmpty, manifest.model.utf8.count <= 128 else {
            throw GuardError("model manifest: model: 1 to 128 bytes")
        }
        guard !manifest.files.isEmpty, manifest.files.count <= ModelManifest.maximumFiles else {
            throw GuardError("model manifest: files: 1 to \(ModelManifest.maximumFiles) files")
        }
        var names: Set<String> = []
        for (index, file) in manifest.files.enumerated() {
            guard isPlainName(file.name) else {
                throw GuardError("model manifest: files[\(index)].name: a plain file name (no '/', not '.' or '..')")
            }
            guard names.insert(file.name).inserted else {
                throw GuardError("model manifest: files[\(index)].name: \"\(file.name)\" is listed twice")
            }
            guard file.sha256.utf8.count == 64, file.sha256.utf8.allSatisfy(isLowerHex) else {
                throw GuardError("model manifest: files[\(index)].sha256: 64 lower-case hex digits")
            }
        }
        _ = try ModelSigningKey.parsePublic(manifest.key)
    }

    private static func string(_ object: JSONValue, _ key: String, at prefix: String = "") throws(GuardError)
        -> String
    {
        guard case .string(let value)? = object[key] else {
            throw GuardError("model manifest: \(prefix)\(key): must be a string")
        }
        return value
    }

    /// 1 to 255 bytes of A-Z a-z 0-9 . _ - , not `.` or `..`.
    static func isPlainName(_ name: String) -> Bool {
        (1...255).contains(name.utf8.count) && name != "." && name != ".."
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
