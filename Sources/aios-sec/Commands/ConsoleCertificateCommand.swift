import ArgumentParser
import Audit
import Capabilities
import Console
import Foundation
import PKI
import Policy

extension ConsoleCommand {
    struct Certificate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an operator's client certificate for logging in to the console (mTLS).",
            discussion: """
                Makes a key and a certificate for spiffe://aios.local/operator/NAME from the internal CA into DIR \
                (key.pem 0600, cert.pem with the intermediate, bundle.pem) and operator.p12 (0600) for a browser to \
                import, sealed with the passphrase printed on standard output. NAME must be an operator in the \
                policy (emergency.operators) given with --policy, the daemon's. Every issuance and every refusal is \
                recorded in the ledger (cert.issue). Revoke it with `aios-sec ca revoke SERIAL`.
                """)

        @Option(name: .customLong("operator"), help: "The operator the certificate names.") var name: String
        @Option(help: "The directory to write (created).") var out: String
        @Option(help: "Lifetime (e.g. 24h, 7d; at most 30d). Default 24h.") var lifetime: String?
        @OptionGroup var policyOptions: PolicyOptions
        @OptionGroup var options: CAOptions

        func run() throws {
            try refuseCoreDumps()
            let policy = try policyOptions.load()
            let subject = try options.recorded("cert.issue", target: "operator:\(name)") { () throws(PKIError) in
                let subject = try SPIFFEID(kind: .operator, name: name)
                guard policy.emergency.operator(named: name) != nil else {
                    throw PKIError(
                        .identity, "'\(name)' is not an operator in the policy (emergency.operators): refused")
                }
                return subject
            }
            var seconds: TimeInterval? = nil
            if let lifetime {
                guard let duration = try? GrantDuration(parsing: lifetime) else {
                    printError("console certificate: --lifetime '\(lifetime)' is not a duration (e.g. 24h, 7d)")
                    throw ExitStatus.usage
                }
                seconds = TimeInterval(duration.milliseconds) / 1000
            }
            let authority = try options.open()
            let holder = WorkloadIdentity(directory: out)
            let issued = try options.recorded("cert.issue", target: subject.uri) { () throws(PKIError) in
                let (key, request) = try WorkloadIdentity.request(for: subject)
                let issued = try authority.sign(request, identity: subject, lifetime: seconds)
                try holder.store(key: key, issued: issued, bundlePEM: try authority.trustBundlePEM())
                return issued
            }
            let passphrase: String
            do {
                passphrase = try OperatorBundle.write(from: holder)
            } catch {
                printError("console certificate: \(error)")
                throw ExitStatus.unavailable
            }
            try options.audit(
                "cert.issue", target: subject.uri,
                details: auditDetails(issued) + [("purpose", .string("console login (client certificate)"))])
            print(passphrase)
            printError(
                "issued \(subject) serial \(issued.serial) until \(ISO8601DateFormatter().string(from: issued.notAfter))"
                    + " into \(out); import \(out)/\(OperatorBundle.fileName) into the browser with the passphrase above"
            )
        }
    }
}
