import Capabilities
import Policy

/// A source that touches `ports` distinct destination ports, or `addresses` distinct destination addresses,
/// within `window` is scanning. Fires once, then ignores the source while its block lasts.
///
/// Per source it keeps only the distinct ports and addresses seen in the window (each with its last time), never
/// more than the thresholds, so a 65,535-port scan costs a few hundred bytes.
public struct PortScanRule: Sendable {
    public let threshold: ScanThreshold

    private struct Footprint {
        var ports: [(port: UInt16, time: Timestamp)] = []
        var addresses: [(address: IPAddress, time: Timestamp)] = []
        var evidence: [String] = []
    }

    private var footprints: [IPAddress: Footprint] = [:]
    private var quietUntil: [IPAddress: Timestamp] = [:]
    private var recordsSinceSweep = 0

    public init(threshold: ScanThreshold) {
        self.threshold = threshold
    }

    public var trackedSources: Int { footprints.count }

    public mutating func record(_ attempt: ConnectionAttempt, now: Timestamp) -> IntrusionAlert? {
        sweepIfDue(now: now)
        if let until = quietUntil[attempt.source] {
            if now < until { return nil }
            quietUntil.removeValue(forKey: attempt.source)
        }
        let oldest = now.millisecondsSinceEpoch - threshold.window.milliseconds
        var footprint = footprints.removeValue(forKey: attempt.source) ?? Footprint()
        footprint.ports.removeAll { $0.time.millisecondsSinceEpoch < oldest }
        footprint.addresses.removeAll { $0.time.millisecondsSinceEpoch < oldest }
        var isNew = false
        if let index = footprint.ports.firstIndex(where: { $0.port == attempt.destinationPort }) {
            footprint.ports[index].time = now
        } else {
            footprint.ports.append((attempt.destinationPort, now))
            isNew = true
        }
        if let index = footprint.addresses.firstIndex(where: { $0.address == attempt.destination }) {
            footprint.addresses[index].time = now
        } else {
            footprint.addresses.append((attempt.destination, now))
            isNew = true
        }
        if isNew {
            footprint.evidence.append(attempt.description)
            if footprint.evidence.count > threshold.ports + threshold.addresses {
                footprint.evidence.removeFirst()
            }
        }
        let ports = footprint.ports.count >= threshold.ports
        guard ports || footprint.addresses.count >= threshold.addresses else {
            footprints[attempt.source] = footprint
            return nil
        }
        quietUntil[attempt.source] = now.adding(threshold.blockFor)
        let summary =
            ports
            ? "\(footprint.ports.count) distinct ports within \(threshold.window)"
            : "\(footprint.addresses.count) distinct addresses within \(threshold.window)"
        return IntrusionAlert(
            rule: .portScan, source: attempt.source, time: now, thresholdMetAt: now, evidence: footprint.evidence,
            ports: footprint.ports.map(\.port).sorted(), summary: summary, response: .block(threshold.blockFor))
    }

    private mutating func sweepIfDue(now: Timestamp) {
        recordsSinceSweep += 1
        guard recordsSinceSweep >= 4096 else { return }
        recordsSinceSweep = 0
        let oldest = now.millisecondsSinceEpoch - threshold.window.milliseconds
        footprints = footprints.filter { entry in
            entry.value.ports.contains { $0.time.millisecondsSinceEpoch >= oldest }
        }
        quietUntil = quietUntil.filter { $0.value > now }
    }
}
