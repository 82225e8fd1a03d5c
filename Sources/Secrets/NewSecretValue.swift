import Foundation

/// Where a rotated value comes from. Errors never include the command's output (it may be a secret).
public enum NewSecretValue {
    public static let maximumOutput = 64 * 1024

    /// `count` random bytes as lowercase hex (an internal token).
    public static func random(bytes count: Int) -> SecretBytes {
        var generator = SystemRandomNumberGenerator()
        var raw = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let digits = Array("0123456789abcdef".utf8)
        var hex = raw.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }
        raw.withUnsafeMutableBytes { SecretBytes.zero($0) }
        return SecretBytes(consuming: &hex)
    }

    /// Runs the executable (no shell) with a bare environment and reads its standard output (standard error is
    /// discarded); one final newline is dropped. A non-zero exit, a timeout, empty output or output over 64 KiB is an error.
    public static func fromCommand(_ words: [String], timeout: Duration = .seconds(30)) throws(SecretsError)
        -> SecretBytes
    {
        guard let executable = words.first, executable.hasPrefix("/") else {
            throw .input("a rotation command must start with an absolute path")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(words.dropFirst())
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        // Its standard error may echo the value too: discarded, never passed on to our output or logs.
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .io("cannot run rotation command \(executable): \(error.localizedDescription)")
        }
        // A command that hangs is killed at the deadline; its pipe then closes and the read below ends.
        let seconds = Double(timeout.components.seconds)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [process] in
            if process.isRunning { process.terminate() }
        }
        let reader = output.fileHandleForReading
        var collected: [UInt8] = []
        while let chunk = try? reader.read(upToCount: 16 * 1024), !chunk.isEmpty {
            collected.append(contentsOf: chunk)
            if collected.count > maximumOutput { break }
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        defer { collected.withUnsafeMutableBytes { SecretBytes.zero($0) } }
        guard process.terminationReason == .exit else {
            throw .io("rotation command \(executable) was killed (timed out after \(Int(seconds)) s, or a signal)")
        }
        guard collected.count <= maximumOutput else {
            throw .input("rotation command \(executable) printed more than \(maximumOutput) bytes")
        }
        guard process.terminationStatus == 0 else {
            throw .io("rotation command \(executable) failed (status \(process.terminationStatus))")
        }
        if collected.last == UInt8(ascii: "\n") { collected.removeLast() }
        guard !collected.isEmpty else { throw .input("rotation command \(executable) printed nothing") }
        var value = collected
        return SecretBytes(consuming: &value)
    }
}
