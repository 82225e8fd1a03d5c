import Capabilities
import Crypto
import Foundation

/// One-time login links: `aios-sec console login --operator NAME` (root on the machine) issues a random token and
/// leaves only its SHA-256 in `STATE/console/logins/` (0700, root's), named by the hash, holding the operator and
/// the expiry. The daemon redeems a token by hashing it and removing that file: `unlink` succeeds once, so a link
/// works once even when two requests race, and a copy of the directory gives nobody a usable link.
///
/// Handing over through the state directory rather than an RPC needs no identity besides root on the machine —
/// the same proof `STATE/identities/operator-admin` gives — and works whether or not the daemon is running yet.
public struct LoginLinks: Sendable {
    /// How long an issued link can be used.
    public static let lifetime = GrantDuration.seconds(300)

    public enum Redemption: Sendable, Equatable {
        case valid(operator: String)
        /// Never issued, already used, or not a token at all.
        case unknown
        case expired(operator: String)
    }

    public let directory: String

    public init(stateDirectory: String) {
        directory = stateDirectory + "/console/logins"
    }

    /// A new link's token (64 hex digits) for `operator`, valid until `now` + ``lifetime``.
    public func issue(operator name: String, now: Timestamp) throws(ConsoleError) -> String {
        let token = Self.randomHex(bytes: 32)
        let record = "{\"operator\":\(Self.quoted(name)),\"expires\":\"\(now.adding(Self.lifetime).rfc3339)\"}\n"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let path = directory + "/" + Self.hash(token)
            let temporary = path + ".new"
            guard
                FileManager.default.createFile(
                    atPath: temporary, contents: Data(record.utf8), attributes: [.posixPermissions: 0o600])
            else { throw ConsoleError.io("cannot write a login link into \(directory)") }
            guard rename(temporary, path) == 0 else {
                throw ConsoleError.io("cannot store a login link: errno \(errno)")
            }
        } catch let error as ConsoleError {
            throw error
        } catch {
            throw ConsoleError.io("cannot create \(directory): \(error.localizedDescription)")
        }
        return token
    }

    /// Uses up `token`: whatever the answer, the link cannot be used again.
    public func redeem(_ token: String, now: Timestamp) -> Redemption {
        // Only the exact shape issue() makes reaches the file system.
        guard token.utf8.count == 64, token.utf8.allSatisfy({ Self.hexDigits.contains($0) }) else { return .unknown }
        let path = directory + "/" + Self.hash(token)
        guard let contents = FileManager.default.contents(atPath: path), unlink(path) == 0 else { return .unknown }
        guard let record = try? JSONDecoder().decode(Record.self, from: contents),
            let expires = Timestamp(rfc3339: record.expires)
        else { return .unknown }
        return now < expires ? .valid(operator: record.operator) : .expired(operator: record.operator)
    }

    /// Removes links that expired unused (each is refused anyway; this only keeps the directory small).
    public func sweep(now: Timestamp) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.utf8.count == 64 {
            let path = directory + "/" + name
            guard let contents = FileManager.default.contents(atPath: path),
                let record = try? JSONDecoder().decode(Record.self, from: contents),
                let expires = Timestamp(rfc3339: record.expires), expires <= now
            else { continue }
            unlink(path)
        }
    }

    private struct Record: Decodable {
        let `operator`: String
        let expires: String
    }

    private static let hexDigits = Set("0123456789abcdef".utf8)

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }
            .joined()
    }

    private static func quoted(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
