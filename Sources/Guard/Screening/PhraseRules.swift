/// Word sequences with bounded gaps: `ignore … previous … instructions` with at most `gap` other words between steps.
struct WordRule {
    let steps: [Set<String>]
    let gap: Int

    init(_ steps: [Set<String>], gap: Int = 3) {
        self.steps = steps
        self.gap = gap
    }

    func matches(_ words: [Substring]) -> Bool {
        guard let first = steps.first else { return false }
        // Taking the earliest match of each next step leaves the most room for the steps after it.
        start: for index in words.indices where first.contains(String(words[index])) {
            var position = index
            for step in steps.dropFirst() {
                let window = (position + 1)..<min(words.count, position + 2 + gap)
                guard let next = window.first(where: { step.contains(String(words[$0])) }) else { continue start }
                position = next
            }
            return true
        }
        return false
    }
}

/// The phrases the heuristics look for, in folded lower case.
enum PhraseRules {
    static let instructions: Set<String> = [
        "instructions", "instruction", "prompt", "prompts", "rules", "directions", "guidelines", "directives",
        "policy", "policies", "orders",
    ]
    static let override: [WordRule] = [
        WordRule([["ignore", "disregard", "forget", "override", "bypass", "abandon"], instructions], gap: 4),
        WordRule([
            ["ignore", "disregard", "forget"], ["everything", "all", "anything"], ["above", "before", "earlier"],
        ]),
        WordRule([
            ["new", "updated", "real", "actual", "revised", "hidden", "secret"], ["instructions", "instruction"],
        ]),
        WordRule([["instructions", "instruction"], ["for", "to"], ["the"], ["ai", "assistant", "analyst", "model"]]),
    ]
    static let rolePlay: [WordRule] = [
        WordRule([["you"], ["are", "re"], ["now"]], gap: 1), WordRule([["from"], ["now"], ["on"]], gap: 0),
        WordRule([["pretend", "imagine", "simulate"], ["you", "to", "being"]], gap: 1),
        WordRule([
            ["act", "behave", "respond"], ["as"], ["ai", "assistant", "administrator", "admin", "root", "system"],
        ]),
        WordRule([["roleplay", "jailbreak", "jailbroken"]]), WordRule([["role"], ["play"]], gap: 0),
        WordRule([["developer", "god", "debug", "sudo"], ["mode"]], gap: 0),
        WordRule([["do"], ["anything"], ["now"]], gap: 0),
    ]
    static let securityRequest: [WordRule] = [
        WordRule([["unblock", "whitelist", "allowlist", "unban", "unquarantine"]]),
        WordRule([
            ["disable", "deactivate", "turn", "stop", "kill", "bypass", "pause", "remove", "delete", "flush"],
            [
                "firewall", "ids", "monitoring", "alert", "alerts", "alerting", "logging", "logs", "audit", "security",
                "detection", "sandbox", "protection", "rules", "blocklist",
            ],
        ]),
        WordRule(
            [
                ["grant", "give", "elevate", "escalate"],
                [
                    "access", "permission", "permissions", "capability", "capabilities", "root", "admin", "sudo",
                    "privileges",
                ],
            ], gap: 4),
        WordRule(
            [
                [
                    "mark", "marked", "classify", "classified", "treat", "treated", "report", "consider", "considered",
                    "label", "labelled",
                ],
                ["benign", "safe", "harmless", "legitimate", "trusted", "clean"],
            ], gap: 5),
        WordRule([
            ["not", "don", "dont", "never"], ["block", "alert", "report", "flag", "escalate", "log", "quarantine"],
        ]),
        WordRule([["not", "no"], ["a"], ["threat"]], gap: 0), WordRule([["no"], ["threat"]], gap: 0),
        WordRule([["allow"], ["traffic", "connection", "connections", "address", "ip", "access", "host"]]),
    ]

    /// Role headers of chat transcripts and chat templates: at the start of a line, or template tokens anywhere.
    static func hasRoleHeader(_ lowered: String) -> Bool {
        let tokens = ["<|im_start|>", "<|system|>", "<<sys>>", "<system>", "</system>", "<|endoftext|>", "[inst]"]
        if tokens.contains { lowered.contains($0) } { return true }
        let heads = [
            "system:", "assistant:", "human:", "user:", "developer:", "### system", "### instruction", "[system]",
        ]
        return lowered.split(separator: "\n").contains { line in
            let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == ">" }
            return heads.contains { trimmed.hasPrefix($0) }
        }
    }

    /// Tool-call syntax of the common model APIs and templates, whitespace removed.
    static let toolCallMarkers = [
        "\"tool_use\"", "\"tool_calls\"", "\"function_call\"", "\"tool_choice\"", "<function_calls", "<invoke",
        "</invoke>", "<function=", "<tool_call", "<parametername=", "\"type\":\"function\"",
    ]
}
