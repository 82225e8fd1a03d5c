import Capabilities
import Foundation
import Yams

extension PolicyLoader {
    /// Reads `analysis:` — `interval` (5s to 1h), `window` (30s to 1h), `threshold` (0 to 1), `model` (`file`,
    /// `manifest`, `signers`), `escalation` (`endpoint`, `model`, `api_key_secret`, `calls_per_hour`, `timeout`,
    /// `max_attempts`, `max_tokens`), `actions` (the allow-list of responses), `actor` (an agent). Absent keys keep
    /// the defaults; `emergency_stop` is refused as an action: only humans press it.
    mutating func readAnalysis(_ node: Node?, agents: Set<AgentName>) -> AnalysisPolicy {
        var analysis = base?.analysis ?? .default
        guard let node, let pairs = reader.mapping(node, "'analysis'") else { return analysis }
        reader.rejectUnknownKeys(
            pairs, allowed: ["interval", "window", "threshold", "model", "escalation", "actions", "actor"],
            in: "'analysis'")
        for pair in pairs {
            let field = "analysis.\(pair.key)"
            switch pair.key {
            case "interval":
                analysis.interval = readBoundedDuration(pair.value, field, 5...3_600) ?? analysis.interval
            case "window": analysis.window = readBoundedDuration(pair.value, field, 30...3_600) ?? analysis.window
            case "threshold":
                guard let text = reader.scalar(pair.value, field), let value = Double(text), (0...1).contains(value)
                else {
                    reader.report(pair.value, "\(field) must be a number from 0 to 1")
                    continue
                }
                analysis.threshold = value
            case "model": analysis.model = readAnalysisModel(pair.value, defaults: analysis.model)
            case "escalation": analysis.escalation = readEscalation(pair.value, defaults: analysis.escalation)
            case "actions": analysis.actions = readAnalysisActions(pair.value)
            case "actor":
                guard let text = reader.scalar(pair.value, field) else { continue }
                guard agents.contains(AgentName(text)) else {
                    reader.report(pair.value, "\(field): '\(text)' is not an agent of this policy")
                    continue
                }
                analysis.actor = AgentName(text)
            default: break
            }
        }
        return analysis
    }

    private mutating func readAnalysisModel(_ node: Node, defaults: AnalysisPolicy.Model) -> AnalysisPolicy.Model {
        var model = defaults
        guard let pairs = reader.mapping(node, "analysis.model") else { return model }
        reader.rejectUnknownKeys(pairs, allowed: ["file", "manifest", "signers"], in: "analysis.model")
        for pair in pairs {
            let field = "analysis.model.\(pair.key)"
            switch pair.key {
            case "file": model.file = readAbsoluteFile(pair.value, field) ?? model.file
            case "manifest": model.manifest = readAbsoluteFile(pair.value, field) ?? model.manifest
            case "signers":
                model.signers = (reader.sequence(pair.value, field) ?? []).compactMap { item in
                    guard let text = reader.scalar(item, field) else { return nil }
                    guard Self.isSignerKey(text) else {
                        reader.report(item, "\(field): a key is 'ed25519:' and the base64 of 32 bytes")
                        return nil
                    }
                    return text
                }
            default: break
            }
        }
        return model
    }

    private mutating func readEscalation(
        _ node: Node, defaults: AnalysisPolicy.Escalation
    ) -> AnalysisPolicy.Escalation {
        var escalation = defaults
        guard let pairs = reader.mapping(node, "analysis.escalation") else { return escalation }
        reader.rejectUnknownKeys(
            pairs,
            allowed: [
                "endpoint", "model", "api_key_secret", "calls_per_hour", "timeout", "max_attempts", "max_tokens",
            ],
            in: "analysis.escalation")
        for pair in pairs {
            let field = "analysis.escalation.\(pair.key)"
            switch pair.key {
            case "endpoint":
                guard let text = reader.scalar(pair.value, field) else { continue }
                guard Self.isEndpoint(text) else {
                    reader.report(
                        pair.value, "\(field) must be an https:// address (http:// only to 127.0.0.1 or [::1])")
                    continue
                }
                escalation.endpoint = text
            case "model":
                guard let text = reader.scalar(pair.value, field) else { continue }
                guard isValidName(text), text.utf8.count <= 100 else {
                    reader.report(pair.value, "\(field) must be a model name (letters, digits, . _ -)")
                    continue
                }
                escalation.model = text
            case "api_key_secret":
                guard let text = reader.scalar(pair.value, field) else { continue }
                guard isValidSecretName(text) else {
                    reader.report(pair.value, "\(field) must be a secret name (letters, digits, . _ -)")
                    continue
                }
                escalation.apiKeySecret = text
            case "calls_per_hour":
                escalation.callsPerHour = readInteger(pair.value, field, 0...3_600) ?? escalation.callsPerHour
            case "timeout": escalation.timeout = readBoundedDuration(pair.value, field, 1...300) ?? escalation.timeout
            case "max_attempts":
                escalation.maxAttempts = readInteger(pair.value, field, 1...5) ?? escalation.maxAttempts
            case "max_tokens": escalation.maxTokens = readInteger(pair.value, field, 64...8_192) ?? escalation.maxTokens
            default: break
            }
        }
        return escalation
    }

    private mutating func readAnalysisActions(_ node: Node) -> [AnalysisPolicy.Action] {
        var actions: [AnalysisPolicy.Action] = []
        for item in reader.sequence(node, "analysis.actions") ?? [] {
            guard let text = reader.scalar(item, "analysis.actions") else { continue }
            if text == "emergency_stop" {
                reader.report(
                    item, "analysis.actions: the emergency stop is never automatic (it is suggested to humans)")
                continue
            }
            guard let action = AnalysisPolicy.Action(rawValue: text) else {
                let known = AnalysisPolicy.Action.allCases.map(\.rawValue).joined(separator: ", ")
                reader.report(item, "analysis.actions: '\(text)' is not one of \(known)")
                continue
            }
            if !actions.contains(action) { actions.append(action) }
        }
        return actions
    }

    private mutating func readBoundedDuration(
        _ node: Node, _ what: String, _ seconds: ClosedRange<Int64>
    ) -> GrantDuration? {
        guard let duration = readDuration(node, what) else { return nil }
        guard (seconds.lowerBound * 1_000...seconds.upperBound * 1_000).contains(duration.milliseconds) else {
            reader.report(node, "\(what) must be from \(seconds.lowerBound)s to \(seconds.upperBound)s")
            return nil
        }
        return duration
    }

    mutating func readAbsoluteFile(_ node: Node, _ what: String) -> String? {
        guard let text = reader.scalar(node, what) else { return nil }
        let components = text.split(separator: "/")
        guard text.hasPrefix("/"), !text.utf8.contains(0), !components.contains(where: { $0 == "." || $0 == ".." })
        else {
            reader.report(node, "\(what): '\(text)' must be an absolute path without '.' or '..'")
            return nil
        }
        return text
    }

    static func isSignerKey(_ text: String) -> Bool {
        guard text.hasPrefix("ed25519:"), let raw = Data(base64Encoded: String(text.dropFirst(8))) else { return false }
        return raw.count == 32
    }

    static func isEndpoint(_ text: String) -> Bool {
        guard let url = URL(string: text), let host = url.host, url.user == nil, url.query == nil else { return false }
        switch url.scheme {
        case "https": return true
        case "http": return host == "127.0.0.1" || host == "::1" || host == "[::1]"
        default: return false
        }
    }
}
