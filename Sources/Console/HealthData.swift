import Capabilities
import Daemon
import Foundation
import SwiftASN1
import X509

/// The ledger's and the certificates' health for the overview: how many entries, when the newest checkpoint was
/// written, and when each certificate the console and the CA stand on expires (flagged within 14 days, or for a
/// short-lived certificate once it is past the point where it should have been renewed).
struct HealthData {
    /// Certificates expiring within this many days are shown as a warning.
    static let warningDays = 14

    let core: DaemonCore
    /// A label and a PEM file (one or more certificates) for each certificate shown.
    let expiries: [(label: String, path: String)]

    func values() -> [String: Any] {
        var values: [String: Any] = [
            "ledgerEntries": core.ledgerEntriesAtStart + core.ledger.statistics.entries
        ]
        let log = core.ledgerDirectory + "/checkpoints.log"
        if let modified = (try? FileManager.default.attributesOfItem(atPath: log))?[.modificationDate] as? Date {
            values["newestCheckpoint"] = Self.timestamp(modified).rfc3339
        }
        // A certificate's validity is checked against the wall clock by every TLS peer, whatever the daemon's clock.
        let wallClock = Self.timestamp(Date())
        let rows = expiries.flatMap { label, path in Self.rows(label: label, path: path, now: wallClock) }
        values["certificates"] = rows
        values["hasCertificates"] = !rows.isEmpty
        return values
    }

    /// One row per certificate in the file; a file that cannot be read is a row that says so.
    static func rows(label: String, path: String, now: Timestamp) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let documents = try? PEMDocument.parseMultiple(pemString: text), !documents.isEmpty
        else {
            return [["label": label, "subject": "cannot be read", "expires": "–", "days": "–", "soon": true]]
        }
        return documents.compactMap { document in
            guard let certificate = try? Certificate(derEncoded: document.derBytes) else { return nil }
            let expiry = timestamp(certificate.notValidAfter)
            let left = expiry.millisecondsSinceEpoch - now.millisecondsSinceEpoch
            let lifetime = expiry.millisecondsSinceEpoch - timestamp(certificate.notValidBefore).millisecondsSinceEpoch
            // A short-lived certificate is renewed at two thirds of its life: it is a warning only once it is past
            // that point; a long-lived one within the last 14 days.
            let warning = min(Int64(warningDays) * 86_400_000, lifetime / 3)
            return [
                "label": label, "subject": certificate.subject.description, "expires": expiry.rfc3339,
                "days": "\(left / 86_400_000)", "soon": left < warning,
            ]
        }
    }

    static func timestamp(_ date: Date) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64(date.timeIntervalSince1970 * 1000))
    }
}
