import Audit
import Guard

/// The verdict's JSON Schema and the Messages API tool built from it, with `tool_choice` forcing that tool: the model
/// answers with the tool's input, a JSON object, and nothing else is ever read as a verdict.
public enum VerdictTool {
    public static let name = "report_verdict"

    /// The schema the tool's input must match (``JSONSchema``'s subset; checked again on every answer).
    public static let schema: JSONValue = {
        let kinds = ResponseActionKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
        let text = """
            {"type":"object","additionalProperties":false,"required":["threat","confidence","summary","actions"],
            "properties":{
            "threat":{"type":"boolean","description":"true when the events show an attack or a compromise"},
            "confidence":{"type":"number","minimum":0,"maximum":1},
            "summary":{"type":"string","minLength":1,"maxLength":\(ThreatVerdict.maximumSummaryLength),
            "description":"what happened, for the human reviewer"},
            "actions":{"type":"array","maxItems":\(ThreatVerdict.maximumActions),"items":{"type":"object",
            "additionalProperties":false,"required":["kind","target"],"properties":{
            "kind":{"enum":[\(kinds)]},
            "target":{"type":"string","minLength":1,"maxLength":\(ThreatVerdict.maximumSummaryLength),
            "description":"an address, agent, grant id or task id copied exactly from a structured field of the \
            events; for raise_alert and suggest_emergency_stop, the text for humans"}}}}}}
            """
        return try! JSONParser.parse(text)
    }()

    /// The parsed schema (built once; the constant is ours, so building cannot fail).
    static let checker = try! JSONSchema(schema)

    /// The `tools` entry of the request.
    public static var definition: JSONValue {
        .object([
            ("name", .string(name)),
            (
                "description",
                .string(
                    "Report the verdict on the escalated events: whether they show a threat, how sure you are, a "
                        + "summary for the human reviewer, and the responses to take (only kinds the security "
                        + "context allows; targets copied from the events' structured fields).")
            ),
            ("input_schema", schema),
        ])
    }

    /// `tool_choice` forcing the verdict tool.
    public static var choice: JSONValue { .object([("type", .string("tool")), ("name", .string(name))]) }
}
