import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// A model file whose bytes matched a manifest signed by a pinned key: the bytes read (once) and their digest.
/// Only ``ModelFiles/loadVerified(model:manifest:pinnedKeys:limit:)`` makes one.
public struct VerifiedModel: Sendable {
    /// The file's bytes, exactly those hashed.
    public let bytes: [UInt8]
    /// Lower-case hex SHA-256 of ``bytes``.
    public let sha256: String
    /// The file's name as the manifest lists it.
    public let name: String
    /// The manifest's model identifier and the key that signed it (`ed25519:…`).
    public let manifestModel: String
    public let signer: String
}

/// Model files are loaded only through a manifest signed by a pinned key (model poisoning: a model swapped, edited
/// or planted is refused). The checks, in order: the manifest is read (bounded, no symlinks) and parsed strictly;
/// it is signed, by a pinned key, and the signature verifies; the model's file name is listed; the model is read
/// once (bounded, no symlinks, a regular file) and the SHA-256 of exactly those bytes matches the listed digest.
public enum ModelFiles {
    public static let defaultLimit = 64 << 20

    public static func loadVerified(
        model path: String, manifest manifestPath: String, pinnedKeys: [Curve25519.Signing.PublicKey],
        limit: Int = defaultLimit
    ) throws(GuardError) -> VerifiedModel {
        let manifest = try ModelManifest.parse(
            BoundedFileReader.read(manifestPath, limit: ModelManifest.maximumBytes, what: "model manifest"))
        let signer = try manifest.verifySignature(pinned: pinnedKeys)
        let name = String(BoundedFileReader.absolutePath(path).split(separator: "/").last ?? "")
        // Byte for byte (String's == is Unicode equivalence; listed names are ASCII anyway).
        guard let listed = manifest.files.first(where: { $0.name.utf8.elementsEqual(name.utf8) }) else {
            throw GuardError("model file \(name): not listed in the manifest")
        }
        let bytes = try BoundedFileReader.read(path, limit: limit, what: "model file")
        let digest = hex(SHA256.hash(data: bytes))
        guard digest == listed.sha256 else {
            throw GuardError("model file \(name): modified (SHA-256 \(digest), the manifest says \(listed.sha256))")
        }
        return VerifiedModel(
            bytes: bytes, sha256: digest, name: name, manifestModel: manifest.model,
            signer: ModelSigningKey.encode(signer))
    }

    /// Each listed file next to the manifest: present and matching, modified, or missing (for `model list`). This
    /// reads each file once and checks no signature; a load still goes through ``loadVerified``.
    public static func status(of manifest: ModelManifest, directory: String) -> [(file: String, status: FileStatus)] {
        manifest.files.map { file in
            let path = directory + "/" + file.name
            var status = stat()
            guard lstat(path, &status) == 0 else { return (file.name, errno == ENOENT ? .missing : .unreadable) }
            do throws(GuardError) {
                let bytes = try BoundedFileReader.read(path, limit: defaultLimit, what: "file")
                return (file.name, hex(SHA256.hash(data: bytes)) == file.sha256 ? .ok : .modified)
            } catch {
                return (file.name, .unreadable)
            }
        }
    }

    public enum FileStatus: Sendable, Equatable, CustomStringConvertible {
        /// Present and as listed.
        case ok
        /// Present, another SHA-256.
        case modified
        case missing
        /// A symbolic link, not a regular file, too large, or not readable: what a load refuses too.
        case unreadable

        public var description: String {
            switch self {
            case .ok: "ok"
            case .modified: "modified"
            case .missing: "missing"
            case .unreadable: "unreadable"
            }
        }
    }

    /// Lower-case hex of a digest.
    public static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension ModelFiles {
    /// A pinned key as the policy writes it (`ed25519:` and the base64 of the raw 32 bytes).
    public static func parsePinnedKey(_ text: String) throws(GuardError) -> Curve25519.Signing.PublicKey {
        try ModelSigningKey.parsePublic(text)
    }
}
