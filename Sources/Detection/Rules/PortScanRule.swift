import Capabilities
import Policy

/// A source that touches `ports` distinct destination ports, or `addresses` distinct destination addresses,
/// within `window` is scanning. Fires once, then ignores the source while its block lasts.
///
/// Per source it keeps only the distinct ports and addresses seen in the window (each with its last time), never
/// more than the thresholds, so a 65,535-port scan costs about a kilobyte; at most `capacity` sources are held
/// (the oldest make room), so a flood of spoofed sources costs bounded memory and O(1) work per packet.
public struct PortScanRule: Sendable {
    public let threshold: ScanThreshold

    private struct Footprint: Sendable {
        var ports: [(port: UInt16, time: Timestamp)] = []
        var addresses: [(address: IPAddress, time: Timestamp)] = []
        var evidence: [ConnectionAttempt] = []
    }

    private var footprints: SourceTable<Footprint>
    /// Fired sources, until their block ends (touched at that end).
    private var quietUntil: SourceTable<Int64>

    public init(threshold: ScanThreshold, capacity: Int = IDSPolicy.defaultTrackedSources) {
        self.threshold = threshold
        footprints = SourceTable(capacity: capacity)
        quietUntil = SourceTable(capacity: capacity)
    }

    public var trackedSources: Int { footprints.count }
    /// Sources dropped to make room for newer ones since the start.
    public var evictedSources: Int { footprints.evicted }

    public mutating func record(_ attempt: ConnectionAttempt, now: Timestamp) -> IntrusionAlert? {
        let milliseconds = now.millisecondsSinceEpoch
        let oldest = milliseconds - threshold.window.milliseconds
        footprints.expire(before: oldest)
        quietUntil.expire(before: milliseconds)
        if let until = quietUntil[attempt.source], milliseconds < until { return nil }
        var footprint = footprints.take(attempt.source) ?? Footprint()
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
            footprint.evidence.append(attempt)
            if footprint.evidence.count > threshold.ports + threshold.addresses {
                footprint.evidence.removeFirst()
            }
        }
        let ports = footprint.ports.count >= threshold.ports
        guard ports || footprint.addresses.count >= threshold.addresses else {
            footprints.put(attempt.source, footprint, touched: milliseconds)
            return nil
        }
        let until = now.adding(threshold.blockFor).millisecondsSinceEpoch
        quietUntil.put(attempt.source, until, touched: until)
        let summary =
            ports
            ? "\(footprint.ports.count) distinct ports within \(threshold.window)"
            : "\(footprint.addresses.count) distinct addresses within \(threshold.window)"
        return IntrusionAlert(
            rule: .portScan, source: attempt.source, time: now, thresholdMetAt: now,
            evidence: footprint.evidence.map(\.description), ports: footprint.ports.map(\.port).sorted(),
            summary: summary, response: .block(threshold.blockFor))
    }
}
