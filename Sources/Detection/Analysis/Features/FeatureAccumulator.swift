import Audit
import Capabilities

/// The running state of one window's features: counters, and the bounded sets and tables the distinct counts and
/// maxima come from.
struct FeatureAccumulator {
    struct Peer {
        var connections: Double
        var ports = BoundedFeatureSet<Double>()
    }

    var values = [Double](repeating: 0, count: WindowFeature.allCases.count)
    var agents = BoundedFeatureSet<ExactText>()
    var remotesOut = BoundedFeatureSet<ExactText>()
    var remotesIn = BoundedFeatureSet<ExactText>()
    var portsIn = BoundedFeatureSet<Double>()
    var peers: [ExactText: Peer] = [:]
    var bytesByDestination: [ExactText: Double] = [:]
    var programs = BoundedFeatureSet<ExactText>()
    var paths = BoundedFeatureSet<ExactText>()

    mutating func count(_ feature: WindowFeature, _ amount: Double = 1) { values[feature.rawValue] += amount }

    mutating func add(_ entry: AuditEntry) {
        let details = entry.draft.details
        count(.events)
        agents.add(ExactText(entry.agent))
        switch entry.result {
        case .failure, .denied, .error: count(.failedResults)
        case .success, .pending: break
        }
        switch entry.eventType {
        case .networkConnection: network(details)
        case .process, .humanCommand: process(entry, details)
        case .agentSpawn, .agentShutdown: count(.agentLifecycle)
        case .fileModification: file(entry, details)
        case .securityAlert: alert(entry, details)
        case .authentication:
            if entry.result == .failure || entry.result == .denied { count(.authFailures) }
        default: break
        }
    }

    private mutating func network(_ details: JSONValue) {
        count(.netEvents)
        let direction = details["direction"]?.stringValue
        let remote = ExactText(details["remote"]?.stringValue ?? "")
        let port = details["port"]?.featureNumber
        if direction.map({ FeatureText.equal($0.utf8, "outbound") }) == true {
            count(.netOutbound)
            remotesOut.add(remote)
            if let port, !FeatureVocabulary.commonPortsOut.contains(port) { count(.netUncommonPortOut) }
            if let sent = details["bytes"]?.featureNumber, sent > 0 {
                count(.netBytesOut, sent)
                if let sum = bytesByDestination[remote] {
                    bytesByDestination[remote] = sum + sent
                } else if bytesByDestination.count < FeatureVocabulary.maximumDistinct {
                    bytesByDestination[remote] = sent
                }
            }
        } else if direction.map({ FeatureText.equal($0.utf8, "inbound") }) == true {
            inbound(remote, port)
        } else if direction.map({ FeatureText.equal($0.utf8, "local") }) == true {
            count(.netLocal)
        }
    }

    private mutating func inbound(_ remote: ExactText, _ port: Double?) {
        count(.netInbound)
        remotesIn.add(remote)
        if let port {
            portsIn.add(port)
            if port == 22 { count(.netSSHIn) }
        }
        if peers[remote] != nil {
            peers[remote]!.connections += 1
        } else if peers.count < FeatureVocabulary.maximumDistinct {
            peers[remote] = Peer(connections: 1)
        }
        if let port, peers[remote] != nil { peers[remote]!.ports.add(port) }
    }

    mutating func finish() -> [Double] {
        values[WindowFeature.distinctAgents.rawValue] = agents.count
        values[WindowFeature.netDistinctRemotesOut.rawValue] = remotesOut.count
        values[WindowFeature.netDistinctRemotesIn.rawValue] = remotesIn.count
        values[WindowFeature.netDistinctPortsIn.rawValue] = portsIn.count
        values[WindowFeature.netMaxPortsPerPeerIn.rawValue] = peers.values.map(\.ports.count).max() ?? 0
        values[WindowFeature.netMaxConnectionsPerPeerIn.rawValue] = peers.values.map(\.connections).max() ?? 0
        values[WindowFeature.netMaxBytesOutPerDestination.rawValue] = bytesByDestination.values.max() ?? 0
        values[WindowFeature.procDistinctPrograms.rawValue] = programs.count
        values[WindowFeature.fileDistinctPaths.rawValue] = paths.count
        return values
    }
}
