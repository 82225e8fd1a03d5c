extension FakeMessagesAPI.Reply {
    /// A 200 answer whose one content block calls `tool` with `input` (JSON text), after an optional text block.
    public static func toolUse(
        _ input: String, tool: String = "report_verdict", text: String? = nil, stopReason: String = "tool_use"
    ) -> Self {
        var blocks: [String] = []
        if let text { blocks.append(#"{"type":"text","text":"# + jsonString(text) + "}") }
        blocks.append(#"{"type":"tool_use","id":"toolu_fake","name":"# + jsonString(tool) + #","input":"# + input + "}")
        return message(blocks: blocks, stopReason: stopReason)
    }

    /// A 200 answer with only a text block (a model that ignored the forced tool).
    public static func textOnly(_ text: String) -> Self {
        message(blocks: [#"{"type":"text","text":"# + jsonString(text) + "}"], stopReason: "end_turn")
    }

    /// A 200 answer with these content blocks (JSON texts) and usage of 321 input and 54 output tokens.
    public static func message(blocks: [String], stopReason: String) -> Self {
        let body =
            #"{"id":"msg_fake","type":"message","role":"assistant","model":"fake","content":["#
            + blocks.joined(separator: ",") + #"],"stop_reason":"# + jsonString(stopReason)
            + #","usage":{"input_tokens":321,"output_tokens":54}}"#
        return .answer(status: 200, body: body, headers: [])
    }

    /// A 200 answer that is not JSON.
    public static let malformed = Self.answer(status: 200, body: #"{"content":[{"type":"tool_use","#, headers: [])

    /// An error answer in the API's shape.
    public static func error(_ status: Int, retryAfter: String? = nil) -> Self {
        let headers = retryAfter.map { [FakeMessagesAPI.Header("retry-after", $0)] } ?? []
        return .answer(
            status: status, body: #"{"type":"error","error":{"type":"api_error","message":"fake"}}"#, headers: headers)
    }

    /// `text` as a JSON string literal.
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
