import Capabilities
import PKI
import X509

/// Who is calling, from the mTLS client certificate only: its one SPIFFE URI SAN.
///
/// `spiffe://aios.local/agent/NAME` is that agent; `…/service/orchestrator` is the orchestrator;
/// `…/operator/NAME` is a human operator. Other services (the daemon's own identity) may call read-only methods.
public struct Caller: Sendable, Hashable, CustomStringConvertible {
    public let identity: SPIFFEID
    /// The certificate's serial (for the deny-list and the ledger).
    public let serial: String

    public static let orchestratorName = "orchestrator"

    public init(identity: SPIFFEID, serial: String) {
        self.identity = identity
        self.serial = serial
    }

    public var description: String { identity.uri }

    /// The principal for authority changes; nil for services other than the orchestrator.
    public var principal: Principal? {
        switch identity.kind {
        case .agent: .agent(AgentName(identity.name))
        case .operator: .operator(identity.name)
        case .service: identity.name == Self.orchestratorName ? .orchestrator : nil
        }
    }

    /// The orchestrator or a human operator: who manages agents and may run tasks without holding a capability.
    public var isOrchestratorOrOperator: Bool {
        switch identity.kind {
        case .operator: true
        case .service: identity.name == Self.orchestratorName
        case .agent: false
        }
    }

    /// The agent, when the caller is one.
    public var agent: AgentName? { identity.kind == .agent ? AgentName(identity.name) : nil }

    /// The name the ledger records as `agent` for this caller's actions.
    public var auditName: String {
        switch identity.kind {
        case .agent: identity.name
        case .service: identity.name == Self.orchestratorName ? "orchestrator" : "service:\(identity.name)"
        case .operator: "operator:\(identity.name)"
        }
    }

    /// Reads the identity from a peer certificate, refusing one that is revoked or names no valid identity.
    public static func from(_ certificate: Certificate?, denyList: DenyList) -> Result<Caller, CallerError> {
        guard let certificate else { return .failure(.noCertificate) }
        if let reason = denyList.reason(for: certificate) { return .failure(.revoked(reason)) }
        let uris = certificate.uriNames
        guard uris.count == 1 else { return .failure(.noIdentity("the certificate has \(uris.count) URI names")) }
        do {
            return .success(Caller(identity: try SPIFFEID(parsing: uris[0]), serial: certificate.serialNumber.hex))
        } catch {
            return .failure(.noIdentity(error.message))
        }
    }
}

public enum CallerError: Error, Hashable, Sendable, CustomStringConvertible {
    case noCertificate
    case noIdentity(String)
    case revoked(String)

    public var description: String {
        switch self {
        case .noCertificate: "no client certificate"
        case .noIdentity(let why): "no aios identity: \(why)"
        case .revoked(let why): "certificate revoked: \(why)"
        }
    }
}
