import Foundation
import Policy

/// A real OpenSSH key pair made with ssh-keygen in a temporary directory, and signing with it.
struct SSHKeyPair {
    let directory: String
    let privateKey: String
    let publicKey: SSHPublicKey

    init(name: String = "operator") throws {
        directory = NSTemporaryDirectory() + "/aios-ssh-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        privateKey = directory + "/id_ed25519"
        try Self.sshKeygen(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", privateKey])
        publicKey = try SSHPublicKey(parsing: String(contentsOfFile: privateKey + ".pub", encoding: .utf8))
    }

    /// `ssh-keygen -Y sign -n NAMESPACE` over `message`: the armored signature.
    func sign(_ message: String, namespace: String = "aios-resume") throws -> String {
        let file = directory + "/message-\(UUID().uuidString.prefix(8))"
        try message.write(toFile: file, atomically: true, encoding: .utf8)
        try Self.sshKeygen(["-q", "-Y", "sign", "-f", privateKey, "-n", namespace, file])
        return try String(contentsOfFile: file + ".sig", encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    static func sshKeygen(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
