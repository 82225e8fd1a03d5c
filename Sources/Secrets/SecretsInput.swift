/// Reads the plaintext given to `secrets seal`: one `NAME=VALUE` per line; blank lines and lines starting with `#`
/// are skipped; the value runs to the end of the line. Errors name the line, never the value.
public enum SecretsInput {
    public static func parse(_ bytes: inout [UInt8]) throws(SecretsError) -> [(name: String, value: SecretBytes)] {
        defer { bytes.withUnsafeMutableBytes { SecretBytes.zero($0) } }
        var secrets: [(name: String, value: SecretBytes)] = []
        var seen: Set<String> = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var line = Array(bytes[start..<end])
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            start = end + 1
            defer { line.withUnsafeMutableBytes { SecretBytes.zero($0) } }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else {
                throw .input("line \(lineNumber): expected NAME=VALUE")
            }
            let name = String(decoding: line[..<equals], as: UTF8.self)
            do {
                try SecretName.validate(name)
            } catch {
                throw .input("line \(lineNumber): \(error)")
            }
            guard seen.insert(name).inserted else {
                throw .input("line \(lineNumber): secret '\(name)' is given twice")
            }
            var value = Array(line[(equals + 1)...])
            secrets.append((name, SecretBytes(consuming: &value)))
        }
        return secrets
    }
}
