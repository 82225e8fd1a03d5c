import Foundation
import Policy

/// Checks operators' SSH signatures of a resume challenge with OpenSSH's own `ssh-keygen -Y` (no second parser of
/// the SSHSIG format): the registered operators' keys become an `allowed_signers` file valid only for the resume
/// namespace; `find-principals` names the operator a signature's key belongs to, `verify` checks the signature
/// over the exact challenge text in that namespace.
public struct OperatorSignatures: Sendable {
    public let operators: [EmergencyPolicy.Operator]
    public let sshKeygen: String

    public init(operators: [EmergencyPolicy.Operator], sshKeygen: String = "/usr/bin/ssh-keygen") {
        self.operators = operators
        self.sshKeygen = sshKeygen
    }

    /// The largest armored signature accepted (an RSA-4096 one is under 2 KiB).
    public static let maximumSignatureBytes = 16 << 10

    /// The operator who signed `message` with `signature`, or why nobody registered did.
    public func signer(of signature: String, message: String) throws(EmergencyError) -> String {
        guard signature.utf8.count <= Self.maximumSignatureBytes else {
            throw EmergencyError(.badSignature, "the signature is larger than \(Self.maximumSignatureBytes) bytes")
        }
        guard signature.contains("-----BEGIN SSH SIGNATURE-----") else {
            throw EmergencyError(.badSignature, "not an SSH signature (ssh-keygen -Y sign writes one)")
        }
        guard !operators.isEmpty else {
            throw EmergencyError(.badSignature, "the policy names no operator (emergency.operators)")
        }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let signers = scratch.path + "/allowed_signers"
        let signatureFile = scratch.path + "/challenge.sig"
        let messageFile = scratch.path + "/challenge"
        try scratch.write(allowedSigners, to: signers)
        try scratch.write(signature, to: signatureFile)
        try scratch.write(message, to: messageFile)
        let found = try run(["-Y", "find-principals", "-s", signatureFile, "-f", signers], input: nil)
        guard found.status == 0,
            let name = found.output.split(separator: "\n").first.map(String.init),
            operators.contains(where: { $0.name == name })
        else {
            throw EmergencyError(
                .badSignature, "signed by no registered operator's key in namespace \(ResumeChallenge.namespace)")
        }
        let verified = try run(
            ["-Y", "verify", "-f", signers, "-I", name, "-n", ResumeChallenge.namespace, "-s", signatureFile],
            input: messageFile)
        guard verified.status == 0 else {
            let why = verified.errors.split(separator: "\n").first.map(String.init) ?? "verification failed"
            throw EmergencyError(.badSignature, "operator \(name)'s signature does not verify: \(why)")
        }
        return name
    }

    /// One line per key: `NAME namespaces="aios-resume" TYPE BASE64`.
    var allowedSigners: String {
        operators.flatMap { person in
            person.sshKeys.map { "\(person.name) namespaces=\"\(ResumeChallenge.namespace)\" \($0)" }
        }.joined(separator: "\n") + "\n"
    }

    private func run(_ arguments: [String], input: String?) throws(EmergencyError) -> (
        status: Int32, output: String, errors: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sshKeygen)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input.flatMap { FileHandle(forReadingAtPath: $0) } ?? FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw EmergencyError(.io, "cannot run \(sshKeygen) (openssh-client): \(error)")
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// A private temporary directory (0700) for the files ssh-keygen reads.
private struct Scratch {
    let path: String

    init() throws(EmergencyError) {
        var template = Array((NSTemporaryDirectory() + "/aios-resume-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw EmergencyError(.io, "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    func write(_ text: String, to file: String) throws(EmergencyError) {
        guard
            FileManager.default.createFile(
                atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw EmergencyError(.io, "cannot write \(file)") }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
