import Capabilities
import Yams

extension PolicyLoader {
    /// Reads `ids.processes:` — `long_running_after` (a duration, or `off`), `known_cgroups` (absolute cgroup
    /// paths), `allowed_escalations` (absolute program paths), `response` (`alert` or `freeze`),
    /// `tracked_processes`. Absent keys keep the defaults.
    mutating func readProcessWatch(_ node: Node, _ what: String) -> ProcessWatchPolicy {
        var watch = ProcessWatchPolicy.default
        guard let pairs = reader.mapping(node, what) else { return watch }
        reader.rejectUnknownKeys(
            pairs,
            allowed: ["long_running_after", "known_cgroups", "allowed_escalations", "response", "tracked_processes"],
            in: what)
        for pair in pairs {
            let field = "\(what).\(pair.key)"
            switch pair.key {
            case "long_running_after":
                guard let text = reader.scalar(pair.value, field) else { continue }
                if text == "off" {
                    watch.longRunningAfter = nil
                } else if let duration = try? GrantDuration(parsing: text), duration.milliseconds >= 1_000 {
                    watch.longRunningAfter = duration
                } else {
                    reader.report(pair.value, "\(field) must be a duration of at least 1s (e.g. 10m), or 'off'")
                }
            case "known_cgroups": watch.knownCgroups = readAbsolutePaths(pair.value, field)
            case "allowed_escalations": watch.allowedEscalations = readAbsolutePaths(pair.value, field)
            case "response":
                guard let text = reader.scalar(pair.value, field) else { continue }
                guard let response = ProcessWatchPolicy.Response(rawValue: text) else {
                    reader.report(
                        pair.value, "\(field) must be 'alert' or 'freeze'",
                        columnOffset: YAMLReader.contentOffset(pair.value))
                    continue
                }
                watch.response = response
            case "tracked_processes":
                guard let text = reader.scalar(pair.value, field), let count = Int(text),
                    (1_024...4_000_000).contains(count)
                else {
                    reader.report(pair.value, "\(field) must be a number from 1024 to 4000000")
                    continue
                }
                watch.trackedProcesses = count
            default: break
            }
        }
        return watch
    }

    /// Reads `ids.kernel:` — `modules_disabled` (true or false), `modules_poll_interval` (a duration, 1s to 1h).
    mutating func readKernelWatch(_ node: Node, _ what: String) -> KernelWatchPolicy {
        var watch = KernelWatchPolicy.default
        guard let pairs = reader.mapping(node, what) else { return watch }
        reader.rejectUnknownKeys(pairs, allowed: ["modules_disabled", "modules_poll_interval"], in: what)
        for pair in pairs {
            let field = "\(what).\(pair.key)"
            if pair.key == "modules_disabled" {
                guard let text = reader.scalar(pair.value, field) else { continue }
                guard let value = Bool(text) else {
                    reader.report(pair.value, "\(field) must be true or false")
                    continue
                }
                watch.modulesDisabled = value
            } else if let duration = readDuration(pair.value, field) {
                guard duration.milliseconds >= 1_000, duration.milliseconds <= 3_600_000 else {
                    reader.report(pair.value, "\(field) must be from 1s to 1h")
                    continue
                }
                watch.modulesPollInterval = duration
            }
        }
        return watch
    }

    /// A list of absolute paths without NUL bytes, `.` or `..` components.
    private mutating func readAbsolutePaths(_ node: Node, _ what: String) -> [String] {
        (reader.sequence(node, what) ?? []).compactMap { item in
            guard let text = reader.scalar(item, what) else { return nil }
            let components = text.split(separator: "/")
            guard text.hasPrefix("/"), !text.utf8.contains(0), !components.contains(where: { $0 == "." || $0 == ".." })
            else {
                reader.report(item, "\(what): '\(text)' must be an absolute path without '.' or '..'")
                return nil
            }
            return text
        }
    }
}
