import Crypto
import Foundation

/// A checkpoint in the C2SP `tlog-checkpoint` format: origin, tree size, root hash — signed as a C2SP signed note
/// with Ed25519. The ledger writes one at least every second while entries arrive and at every rotation.
///
/// One extension line ties the day into the ledger's history: `follows <base64>`, the SHA-256 of the final
/// checkpoint note of the day before (32 zero bytes for the ledger's first day) — the day's chain genesis. Because
/// it is signed, whoever removes, cuts or rewrites a past day and relinks the next one cannot make the next day's
/// checkpoints agree. Checkpoints written before this line existed parse with ``follows`` nil.
public struct Checkpoint: Hashable, Sendable {
    public let origin: String
    public let size: Int
    public let root: Hash32
    /// The SHA-256 of the previous day's final checkpoint note (zeros for the first day); nil in older notes.
    public let follows: Hash32?

    public init(origin: String, size: Int, root: Hash32, follows: Hash32? = nil) {
        self.origin = origin
        self.size = size
        self.root = root
        self.follows = follows
    }

    static let followsPrefix = "follows "

    /// The note body that is signed.
    public var body: String {
        "\(origin)\n\(size)\n\(root.base64)\n" + (follows.map { Self.followsPrefix + $0.base64 + "\n" } ?? "")
    }

    /// Parses a note body. Extension lines after the root are allowed; `follows` is read, the others ignored, and a
    /// second or malformed `follows` line makes the note unreadable rather than ambiguous.
    init?(body: String) {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 4, lines.last == "", !lines[0].isEmpty, let size = Int(lines[1]), size >= 0,
            String(size) == lines[1], let rootBytes = Base64.decode(String(lines[2])), let root = Hash32(rootBytes)
        else { return nil }
        var follows: Hash32? = nil
        for line in lines[3...] where line.hasPrefix(Self.followsPrefix) {
            guard follows == nil, let bytes = Base64.decode(String(line.dropFirst(Self.followsPrefix.count))),
                let hash = Hash32(bytes)
            else { return nil }
            follows = hash
        }
        self.init(origin: String(lines[0]), size: size, root: root, follows: follows)
    }
}

/// A checkpoint with its signed-note text, as stored in the checkpoint log.
public struct SignedCheckpoint: Hashable, Sendable {
    public let checkpoint: Checkpoint
    public let note: String
}

/// Signs checkpoints. The key name identifies the ledger's key in signature lines (`aios.local/audit`).
public struct CheckpointSigner: Sendable {
    public let name: String
    private let key: Curve25519.Signing.PrivateKey

    public init(name: String, key: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.key = key
    }

    public var verifier: CheckpointVerifier { CheckpointVerifier(name: name, publicKey: key.publicKey) }

    public func sign(_ checkpoint: Checkpoint) throws -> SignedCheckpoint {
        SignedCheckpoint(checkpoint: checkpoint, note: try sign(body: checkpoint.body))
    }

    /// A signed note of `body` (lines ending in a newline, none of them empty).
    public func sign(body: String) throws -> String {
        let signature = try key.signature(for: Array(body.utf8))
        let blob = verifier.keyHash + Array(signature)
        return body + "\n\u{2014} \(name) \(Base64.encode(blob))\n"
    }

    /// The private key as Go's `note` package writes it: `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>`.
    public var privateKeyText: String {
        "PRIVATE+KEY+\(name)+\(verifier.keyHashHex)+" + Base64.encode([0x01] + Array(key.rawRepresentation))
    }

    /// Reads ``privateKeyText``.
    public init?(privateKeyText text: String) {
        let parts = text.trimmingWhitespace.split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
            .map(String.init)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", let blob = Base64.decode(parts[4]),
            blob.count == 33, blob[0] == 0x01,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: Array(blob[1...]))
        else { return nil }
        self.init(name: parts[2], key: key)
        guard verifier.keyHashHex == parts[3] else { return nil }
    }
}

/// Verifies signed checkpoints against one pinned public key.
public struct CheckpointVerifier: Hashable, Sendable {
    public let name: String
    public let publicKey: [UInt8]

    init(name: String, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.publicKey = Array(publicKey.rawRepresentation)
    }

    /// The key's 4-byte id: SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), first 4 bytes.
    var keyHash: [UInt8] { Array(Hash32.sha256(Array(name.utf8) + [0x0A, 0x01] + publicKey).array.prefix(4)) }

    var keyHashHex: String { keyHash.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

    /// The verifier key as Go's `note` package writes it: `<name>+<hash>+<base64(0x01 ‖ public key)>`.
    public var text: String { "\(name)+\(keyHashHex)+" + Base64.encode([0x01] + publicKey) }

    /// Reads ``text``.
    public init?(text: String) {
        let parts = text.trimmingWhitespace.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
            .map(String.init)
        guard parts.count == 3, let blob = Base64.decode(parts[2]), blob.count == 33, blob[0] == 0x01,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: Array(blob[1...]))
        else { return nil }
        self.init(name: parts[0], publicKey: key)
        guard keyHashHex == parts[1] else { return nil }
    }

    /// The checkpoint a signed note carries, if a signature line of this key verifies over its body.
    public func verify(note: String) -> Checkpoint? {
        verifiedBody(of: note).flatMap(Checkpoint.init(body:))
    }

    /// The body of a signed note, if a signature line of this key verifies over it.
    public func verifiedBody(of note: String) -> String? {
        guard let split = note.range(of: "\n\n") else { return nil }
        let body = String(note[..<split.lowerBound]) + "\n"
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return nil }
        let prefix = "\u{2014} \(name) "
        for line in note[split.upperBound...].split(separator: "\n") where line.hasPrefix(prefix) {
            guard let blob = Base64.decode(String(line.dropFirst(prefix.count))), blob.count == 68,
                Array(blob.prefix(4)) == keyHash
            else { continue }
            if key.isValidSignature(Array(blob.dropFirst(4)), for: Array(body.utf8)) { return body }
        }
        return nil
    }
}

extension Checkpoint {
    /// What a note's body says, signature unchecked: only to choose which notes are worth verifying.
    static func claimed(by note: String) -> Checkpoint? {
        note.range(of: "\n\n").flatMap { Checkpoint(body: String(note[..<$0.lowerBound]) + "\n") }
    }
}

extension String {
    var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
