import Capabilities
import Yams

extension PolicyLoader {
    /// Reads `egress:` — `open_per_agent`, `open_total`, `new_per_minute` (numbers), `upload_per_hour` (a size or
    /// `off`), `idle_timeout` (a duration or `off`), `on_revoke` (`close` or `keep`), `alert_upload` (a size or
    /// `off`), `alert_new_for` (a duration). Absent keys keep the defaults.
    mutating func readEgress(_ node: Node) -> EgressPolicy {
        var egress = EgressPolicy.default
        guard let pairs = reader.mapping(node, "'egress'") else { return egress }
        reader.rejectUnknownKeys(
            pairs,
            allowed: [
                "open_per_agent", "open_total", "new_per_minute", "upload_per_hour", "idle_timeout", "on_revoke",
                "alert_upload", "alert_new_for",
            ], in: "'egress'")
        for pair in pairs {
            let field = "egress.\(pair.key)"
            switch pair.key {
            case "open_per_agent":
                egress.openPerAgent = readInteger(pair.value, field, 1...65_536) ?? egress.openPerAgent
            case "open_total": egress.openTotal = readInteger(pair.value, field, 1...262_144) ?? egress.openTotal
            case "new_per_minute":
                egress.newPerMinute = readInteger(pair.value, field, 1...1_000_000) ?? egress.newPerMinute
            case "upload_per_hour":
                egress.uploadPerHour =
                    Self.isOff(pair.value) ? nil : readSize(pair.value, field) ?? egress.uploadPerHour
            case "alert_upload":
                egress.alertUpload = Self.isOff(pair.value) ? nil : readSize(pair.value, field) ?? egress.alertUpload
            case "idle_timeout":
                if Self.isOff(pair.value) {
                    egress.idleTimeout = nil
                } else if let duration = readDuration(pair.value, field) {
                    guard duration.milliseconds >= 1_000 else {
                        reader.report(pair.value, "\(field) must be at least 1s, or 'off'")
                        continue
                    }
                    egress.idleTimeout = duration
                }
            case "alert_new_for": egress.alertNewFor = readDuration(pair.value, field) ?? egress.alertNewFor
            case "on_revoke":
                guard let text = reader.scalar(pair.value, field) else { continue }
                guard let choice = EgressPolicy.OnRevoke(rawValue: text) else {
                    reader.report(
                        pair.value, "\(field) must be 'close' or 'keep'",
                        columnOffset: YAMLReader.contentOffset(pair.value))
                    continue
                }
                egress.onRevoke = choice
            default: break
            }
        }
        return egress
    }

    /// Whether `node` is the scalar `off`.
    private static func isOff(_ node: Node) -> Bool { node.scalar?.string == "off" }
}
