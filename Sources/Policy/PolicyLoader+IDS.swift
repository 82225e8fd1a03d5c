import Capabilities
import Yams

extension PolicyLoader {
    /// Reads `ids:` — `brute_force` and `auth_failures` (`failures`, `window`, `block_for`), `port_scan` (`ports`,
    /// `addresses`, `window`, `block_for`), `unexpected_ports` (`block_for`; absent: alert only), `open_ports`,
    /// `allowlist` (prefixes; loopback is always on it), `spoofable` (`alert`, or `block_for`: the longest block on
    /// evidence a forged source can make, and `after_handshake`), `brute_force_prefix` (`ipv4`, `ipv6` lengths), `alerts` (`per_window`,
    /// `window`), `tracked_sources`, `files` (the file-integrity watch set, see `readFileWatches`), `processes` and `kernel`
    /// (the host IDS, see `readProcessWatch` and `readKernelWatch`). Absent keys keep the defaults; without `open_ports` and
    /// `allowlist` the firewall's management ports and subnets are used, so the two sections agree by default.
    mutating func readIDS(_ node: Node?, firewall: FirewallPolicy) -> IDSPolicy {
        var ids = IDSPolicy.defaults(management: firewall.management, openPorts: firewall.managementPorts)
        guard let node, let pairs = reader.mapping(node, "'ids'") else { return ids }
        reader.rejectUnknownKeys(
            pairs,
            allowed: [
                "brute_force", "auth_failures", "port_scan", "unexpected_ports", "open_ports", "allowlist",
                "spoofable", "brute_force_prefix", "alerts", "tracked_sources", "files", "processes", "kernel",
            ], in: "'ids'")
        for pair in pairs {
            let what = "ids.\(pair.key)"
            switch pair.key {
            case "brute_force": ids.bruteForce = readRateThreshold(pair.value, what, defaults: ids.bruteForce)
            case "auth_failures":
                ids.authenticationFailures = readRateThreshold(
                    pair.value, what, defaults: ids.authenticationFailures)
            case "port_scan": ids.portScan = readScanThreshold(pair.value, what)
            case "unexpected_ports":
                guard let fields = reader.mapping(pair.value, what) else { continue }
                reader.rejectUnknownKeys(fields, allowed: ["block_for"], in: what)
                if let block = fields.first(where: { $0.key == "block_for" }) {
                    ids.unexpectedPortBlock = readDuration(block.value, "\(what).block_for")
                }
            case "open_ports":
                ids.openPorts = (reader.sequence(pair.value, what) ?? []).compactMap {
                    readIDSNumber($0, what, 1...65_535).map(UInt16.init)
                }
            case "allowlist":
                ids.allowlist = IPPrefix.loopback + readIDSPrefixes(pair.value, what)
            case "spoofable": ids.spoofable = readSpoofable(pair.value, what) ?? ids.spoofable
            case "brute_force_prefix": ids.bruteForcePrefix = readPrefixLengths(pair.value, what)
            case "alerts": readAlertLimits(pair.value, what, into: &ids)
            case "files": ids.files = readFileWatches(pair.value, what)
            case "processes": ids.processes = readProcessWatch(pair.value, what)
            case "kernel": ids.kernel = readKernelWatch(pair.value, what)
            case "tracked_sources":
                ids.trackedSources = readIDSNumber(pair.value, what, 1_024...10_000_000) ?? ids.trackedSources
            default:
                break
            }
        }
        return ids
    }

    private mutating func readRateThreshold(_ node: Node, _ what: String, defaults: RateThreshold) -> RateThreshold {
        var threshold = defaults
        guard let pairs = reader.mapping(node, what) else { return threshold }
        reader.rejectUnknownKeys(pairs, allowed: ["failures", "window", "block_for"], in: what)
        for pair in pairs {
            switch pair.key {
            case "failures":
                threshold.count = readIDSNumber(pair.value, "\(what).failures", 1...10_000) ?? threshold.count
            case "window": threshold.window = readDuration(pair.value, "\(what).window") ?? threshold.window
            default: threshold.blockFor = readDuration(pair.value, "\(what).block_for") ?? threshold.blockFor
            }
        }
        return threshold
    }

    private mutating func readScanThreshold(_ node: Node, _ what: String) -> ScanThreshold {
        var threshold = ScanThreshold.default
        guard let pairs = reader.mapping(node, what) else { return threshold }
        reader.rejectUnknownKeys(pairs, allowed: ["ports", "addresses", "window", "block_for"], in: what)
        for pair in pairs {
            switch pair.key {
            case "ports": threshold.ports = readIDSNumber(pair.value, "\(what).ports", 2...65_535) ?? threshold.ports
            case "addresses":
                threshold.addresses = readIDSNumber(pair.value, "\(what).addresses", 2...65_535) ?? threshold.addresses
            case "window": threshold.window = readDuration(pair.value, "\(what).window") ?? threshold.window
            default: threshold.blockFor = readDuration(pair.value, "\(what).block_for") ?? threshold.blockFor
            }
        }
        return threshold
    }

    private mutating func readIDSPrefixes(_ node: Node, _ what: String) -> [IPPrefix] {
        (reader.sequence(node, what) ?? []).compactMap { item in
            guard let text = reader.scalar(item, "an address or prefix") else { return nil }
            do {
                return try IPPrefix(parsing: text)
            } catch {
                reader.report(item, "\(what): \(error)")
                return nil
            }
        }
    }

    private mutating func readIDSNumber(_ node: Node, _ what: String, _ range: ClosedRange<Int>) -> Int? {
        guard let text = reader.scalar(node, what), let value = Int(text), range.contains(value), text.first != "+"
        else {
            reader.report(node, "\(what) must be a number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    private mutating func readSpoofable(_ node: Node, _ what: String) -> SpoofableResponse? {
        if case .scalar = node {
            guard reader.scalar(node, what) == "alert" else {
                reader.report(node, "\(what) must be 'alert' or a mapping with block_for")
                return nil
            }
            return .alertOnly
        }
        guard let pairs = reader.mapping(node, what) else { return nil }
        reader.rejectUnknownKeys(pairs, allowed: ["block_for", "after_handshake"], in: what)
        guard let block = pairs.first(where: { $0.key == "block_for" }) else {
            reader.report(node, "\(what) needs block_for")
            return nil
        }
        var afterHandshake = false
        if let flag = pairs.first(where: { $0.key == "after_handshake" }) {
            guard let text = reader.scalar(flag.value, "\(what).after_handshake"), let value = Bool(text) else {
                reader.report(flag.value, "\(what).after_handshake must be true or false")
                return nil
            }
            afterHandshake = value
        }
        guard let duration = readDuration(block.value, "\(what).block_for") else { return nil }
        return afterHandshake ? .blockAfterHandshake(duration) : .shortBlock(duration)
    }

    private mutating func readPrefixLengths(_ node: Node, _ what: String) -> BruteForcePrefix {
        var lengths = BruteForcePrefix(v4: 32, v6: 64)
        guard let pairs = reader.mapping(node, what) else { return lengths }
        reader.rejectUnknownKeys(pairs, allowed: ["ipv4", "ipv6"], in: what)
        for pair in pairs {
            if pair.key == "ipv4" {
                lengths.v4 = readIDSNumber(pair.value, "\(what).ipv4", 8...32) ?? lengths.v4
            } else {
                lengths.v6 = readIDSNumber(pair.value, "\(what).ipv6", 16...128) ?? lengths.v6
            }
        }
        return lengths
    }

    private mutating func readAlertLimits(_ node: Node, _ what: String, into ids: inout IDSPolicy) {
        guard let pairs = reader.mapping(node, what) else { return }
        reader.rejectUnknownKeys(pairs, allowed: ["per_window", "window"], in: what)
        for pair in pairs {
            if pair.key == "per_window" {
                ids.alertsPerWindow =
                    readIDSNumber(pair.value, "\(what).per_window", 1...100_000) ?? ids.alertsPerWindow
            } else {
                ids.alertWindow = readDuration(pair.value, "\(what).window") ?? ids.alertWindow
            }
        }
    }
}
