import Foundation

/// A real OpenSSH key pair made with ssh-keygen in a temporary directory, and signing with it (`ssh-keygen -Y`).
public struct SSHKeyPair: Sendable {
    public let directory: String
    public let privateKey: String
    /// The `authorized_keys` line: `ssh-ed25519 BASE64 COMMENT`.
    public let publicKeyLine: String

    public init(name: String = "operator") throws {
        directory = NSTemporaryDirectory() + "/aios-ssh-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        privateKey = directory + "/id_ed25519"
        try Self.sshKeygen(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", privateKey])
        publicKeyLine = try String(contentsOfFile: privateKey + ".pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `ssh-keygen -Y sign -n NAMESPACE` over `message`: the armored signature.
    public func sign(_ message: String, namespace: String = "aios-resume") throws -> String {
        let file = directory + "/message-\(UUID().uuidString.prefix(8))"
        try message.write(toFile: file, atomically: true, encoding: .utf8)
        try Self.sshKeygen(["-q", "-Y", "sign", "-f", privateKey, "-n", namespace, file])
        return try String(contentsOfFile: file + ".sig", encoding: .utf8)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: directory) }

    struct Failed: Error {}

    static func sshKeygen(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed() }
    }
}
