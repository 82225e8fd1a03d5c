import AIOSProto
import ArgumentParser
import Crypto
import Foundation
import PKI
import X509

/// `call renew`: the identity in `--identity` renews itself over the API (a new key, its CSR, `RenewIdentity`)
/// and the directory's files are replaced — the key first, then the chain and the bundle, each atomically.
struct CallRenew: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Renew the identity in --identity over the API: a new key, the same SPIFFE ID.",
        discussion: """
            For identities the daemon does not keep current itself (an operator's own directory). The daemon issues \
            only the caller's current SPIFFE ID, and only while its certificate is unexpired and unrevoked.
            """)
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let holder = WorkloadIdentity(directory: connection.identity)
        let current = try pkiCall { () throws(PKIError) in try holder.certificate() }
        guard let uri = current.uriNames.first else {
            printError("call renew: \(holder.certificatePath) names no identity")
            throw ExitStatus.dataError
        }
        let (key, request) = try pkiCall { () throws(PKIError) in
            try WorkloadIdentity.request(for: try SPIFFEID(parsing: uri))
        }
        var message = Aios_Security_V1_RenewIdentityRequest()
        message.csrPem = try request.serializeAsPEM().pemString
        let sent = message
        let response = try await connection.withClient { try await $0.renewIdentity(sent) }
        let issued = try pkiCall { () throws(PKIError) in
            try WorkloadIdentity.checkedRenewal(key: key, chainPEM: response.certificatePem, identity: uri)
        }
        try pkiCall { () throws(PKIError) in
            try holder.store(key: key, chainPEM: response.certificatePem, bundlePEM: response.bundlePem)
        }
        if connection.json {
            try printJSON(["identity": uri, "serial": response.serial, "not_after": response.notAfter])
        } else {
            print("renewed \(uri): serial \(issued.serialNumber.hex), valid until \(response.notAfter)")
        }
    }
}
