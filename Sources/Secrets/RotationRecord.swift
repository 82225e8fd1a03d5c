import Capabilities
import Foundation

/// When each secret was last rotated (names and times only), kept in the state directory so a schedule survives
/// restarts. A secret with no record is due at once.
public struct RotationRecord: Sendable {
    public let path: String
    public private(set) var lastRotated: [String: Timestamp]

    public init(path: String) throws(SecretsError) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            lastRotated = [:]
            return
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw .format("\(path): not a JSON object of secret name → RFC 3339 time")
        }
        var times: [String: Timestamp] = [:]
        for (name, text) in object {
            guard let time = Timestamp(rfc3339: text) else { throw .format("\(path): '\(name)': bad time '\(text)'") }
            times[name] = time
        }
        lastRotated = times
    }

    /// Whether a secret rotated every `interval` milliseconds is due at `now`.
    public func isDue(_ name: String, every intervalMilliseconds: Int64, at now: Timestamp) -> Bool {
        guard let last = lastRotated[name] else { return true }
        return now.millisecondsSinceEpoch - last.millisecondsSinceEpoch >= intervalMilliseconds
    }

    /// Records a rotation and writes the file atomically (0600).
    public mutating func record(_ name: String, at time: Timestamp) throws(SecretsError) {
        lastRotated[name] = time
        let object = lastRotated.mapValues(\.rfc3339)
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            throw .io("cannot encode \(path)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try AtomicFile.write(Array(data), to: path, mode: 0o600)
    }
}
