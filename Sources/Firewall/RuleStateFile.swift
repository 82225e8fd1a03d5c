import Foundation

/// The desired dynamic rules on disk (`STATE/firewall/rules.json`, 0600), written atomically (temporary file,
/// fsync, rename, fsync of the directory), so a restart re-applies exactly what was last accepted.
public struct RuleStateFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    private struct Contents: Codable {
        var version: Int
        var rules: [FirewallRule]
    }

    /// The rules, or none when the file does not exist yet.
    public func load() throws(FirewallError) -> [FirewallRule] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .state("cannot read \(path)")
        }
        do {
            let contents = try JSONDecoder().decode(Contents.self, from: data)
            guard contents.version == 1 else {
                throw FirewallError.state("\(path): unknown version \(contents.version)")
            }
            return contents.rules
        } catch let error as FirewallError {
            throw error
        } catch {
            throw .state("\(path) is not a valid rules file: \(error)")
        }
    }

    public func save(_ rules: [FirewallRule]) throws(FirewallError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(Contents(version: 1, rules: rules))
        } catch {
            throw .state("cannot encode the rules: \(error)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .state("cannot create \(directory): \(error)")
        }
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .state("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .state("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
