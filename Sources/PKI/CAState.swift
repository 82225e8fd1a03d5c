import Foundation

/// What the CA remembers between runs (`ca.json`): its certificates by serial, what it issued, what it revoked.
/// Nothing in it is secret.
struct CAState: Codable, Sendable {
    struct Intermediate: Codable, Sendable {
        let serial: String
        let notBefore: Date
        let notAfter: Date
        /// When a new intermediate takes over issuing.
        let rotateAfter: Date
        /// The latest expiry of a certificate it signed: it stays in the trust bundle until then.
        var lastLeafExpiry: Date?
    }

    struct Issued: Codable, Sendable {
        let serial: String
        let identity: String
        let issuer: String
        let notBefore: Date
        let notAfter: Date
    }

    struct Revoked: Codable, Sendable {
        let serial: String
        let identity: String
        let issuer: String
        let revokedAt: Date
        let reason: String
    }

    var version = 1
    var root: String
    var current: String
    var intermediates: [Intermediate]
    var revoked: [Revoked] = []
    /// Identities the CA refuses to issue for (revoked as a whole).
    var deniedIdentities: [String] = []
    var crlNumber = 0
    /// The IP ranges the CA may certify (`address/prefix`), chosen at creation; absent in a state written before
    /// they existed, which means the loopback. See ``PermittedHosts``.
    var permittedRanges: [String]? = nil

    static func decode(_ data: Data, path: String) throws(PKIError) -> CAState {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(CAState.self, from: data)
        } catch {
            throw PKIError(.state, "\(path): not a CA state file (\(error))")
        }
    }

    func encoded() throws(PKIError) -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw PKIError(.io, "cannot encode the CA state: \(error)")
        }
    }

    /// Intermediates still needed in the trust bundle: the current one, and older ones while a certificate they
    /// issued is unexpired.
    func liveIntermediates(at now: Date) -> [Intermediate] {
        intermediates.filter { intermediate in
            intermediate.serial == current
                || (intermediate.notAfter > now && (intermediate.lastLeafExpiry ?? .distantPast) > now)
        }
    }
}
