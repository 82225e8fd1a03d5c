import Capabilities
import Yams

extension PolicyLoader {
    /// Reads `sandbox:` — `runtime` (a list of absolute paths), `scratch` (a size), `limits` (cpu, memory, io,
    /// pids), `roles` (role → limits, each field defaulting to `limits`), `watchdog`.
    mutating func readSandbox(_ node: Node, roles: Set<RoleName>) -> SandboxPolicy {
        var sandbox = SandboxPolicy.default
        guard let pairs = reader.mapping(node, "'sandbox'") else { return sandbox }
        reader.rejectUnknownKeys(
            pairs, allowed: ["runtime", "scratch", "limits", "roles", "watchdog"], in: "'sandbox'")
        if let limits = pairs.first(where: { $0.key == "limits" }) {
            sandbox.limits = readLimits(limits.value, "sandbox.limits", defaults: .spec)
        }
        for pair in pairs {
            switch pair.key {
            case "runtime":
                sandbox.runtime = (reader.sequence(pair.value, "sandbox.runtime") ?? []).compactMap { item in
                    guard let path = reader.scalar(item, "a runtime path") else { return nil }
                    guard path.hasPrefix("/"), PathNormalizer.normalize(path) == path, !path.utf8.contains(0) else {
                        reader.report(item, "a runtime path must be absolute and normalised: '\(path)'")
                        return nil
                    }
                    return path
                }
            case "scratch":
                if let size = readSize(pair.value, "sandbox.scratch") { sandbox.scratch = size }
            case "roles":
                for role in reader.mapping(pair.value, "sandbox.roles") ?? [] {
                    guard roles.contains(RoleName(role.key)) else {
                        reader.report(role.keyNode, "sandbox.roles: unknown role '\(role.key)'")
                        continue
                    }
                    sandbox.roleLimits[RoleName(role.key)] = readLimits(
                        role.value, "sandbox.roles.\(role.key)", defaults: sandbox.limits)
                }
            case "watchdog":
                sandbox.watchdog = readWatchdog(pair.value)
            default:
                break
            }
        }
        return sandbox
    }

    private mutating func readLimits(_ node: Node, _ what: String, defaults: ResourceLimits) -> ResourceLimits {
        var limits = defaults
        guard let pairs = reader.mapping(node, what) else { return limits }
        reader.rejectUnknownKeys(pairs, allowed: ["cpu", "memory", "io", "pids"], in: what)
        for pair in pairs {
            switch pair.key {
            case "cpu":
                // `150%` or `150`: percent of one core.
                guard let text = reader.scalar(pair.value, "\(what).cpu"),
                    let percent = Int(text.hasSuffix("%") ? String(text.dropLast()) : text),
                    (1...100_000).contains(percent)
                else {
                    reader.report(pair.value, "\(what).cpu must be a percent of one core from 1% to 100000%")
                    continue
                }
                limits.cpuPercent = percent
            case "memory":
                if let size = readSize(pair.value, "\(what).memory") { limits.memory = size }
            case "io":
                if let size = readSize(pair.value, "\(what).io") { limits.ioPerSecond = size }
            case "pids":
                guard let text = reader.scalar(pair.value, "\(what).pids"), let pids = Int(text),
                    (2...4_194_304).contains(pids)
                else {
                    reader.report(pair.value, "\(what).pids must be a number from 2 to 4194304")
                    continue
                }
                limits.pids = pids
            default:
                break
            }
        }
        return limits
    }

    private mutating func readWatchdog(_ node: Node) -> WatchdogPolicy {
        var watchdog = WatchdogPolicy.default
        guard let pairs = reader.mapping(node, "sandbox.watchdog") else { return watchdog }
        reader.rejectUnknownKeys(
            pairs,
            allowed: ["cpu_pegged_for", "near_limit", "on_pressure", "on_oom", "on_exit", "backoff", "max_backoff"],
            in: "sandbox.watchdog")
        for pair in pairs {
            let what = "sandbox.watchdog.\(pair.key)"
            switch pair.key {
            case "cpu_pegged_for": watchdog.cpuPeggedFor = readDuration(pair.value, what) ?? watchdog.cpuPeggedFor
            case "backoff": watchdog.backoff = readDuration(pair.value, what) ?? watchdog.backoff
            case "max_backoff": watchdog.maximumBackoff = readDuration(pair.value, what) ?? watchdog.maximumBackoff
            case "near_limit":
                guard let text = reader.scalar(pair.value, what),
                    let percent = Int(text.hasSuffix("%") ? String(text.dropLast()) : text), (1...100).contains(percent)
                else {
                    reader.report(pair.value, "\(what) must be a percent from 1% to 100%")
                    continue
                }
                watchdog.nearLimitPercent = percent
            case "on_pressure", "on_oom", "on_exit":
                guard let text = reader.scalar(pair.value, what), let action = WatchdogAction(rawValue: text) else {
                    reader.report(pair.value, "\(what) must be one of alert, restart, stop")
                    continue
                }
                switch pair.key {
                case "on_pressure": watchdog.onPressure = action
                case "on_oom": watchdog.onOOM = action
                default: watchdog.onExit = action
                }
            default:
                break
            }
        }
        if watchdog.maximumBackoff < watchdog.backoff {
            reader.report(node, "sandbox.watchdog: max_backoff is shorter than backoff")
        }
        return watchdog
    }

    mutating func readSize(_ node: Node, _ what: String) -> ByteSize? {
        guard let text = reader.scalar(node, what) else { return nil }
        do {
            return try ByteSize(parsing: text)
        } catch {
            reader.report(node, "\(what): \(error)")
            return nil
        }
    }
}
