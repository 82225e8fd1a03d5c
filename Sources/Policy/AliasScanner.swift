internal import CYaml

/// Finds YAML anchors (`&a`) and aliases (`*a`) before the text is composed.
///
/// Policy files have no use for them, and aliases let a small file expand exponentially ("billion laughs") —
/// in Yams' duplicate-key hashing while composing as much as in our own walk — so they are refused up front.
/// The anchors and aliases come from libyaml's own parser (the copy Yams bundles and composes with), event by
/// event: whatever libyaml reads as an anchor or alias is found, with no second lexer to disagree about quotes,
/// escapes or comments.
enum AliasScanner {
    /// The 1-based line and column of the first anchor or alias, if any. Text libyaml cannot parse has none up to
    /// the error; composing it then reports the error itself.
    static func firstAnchorOrAlias(in yaml: String) -> (line: Int, column: Int)? {
        var bytes = Array(yaml.utf8)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeMutableBufferPointer { buffer -> (line: Int, column: Int)? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let anchored: Bool
                switch event.type {
                case YAML_STREAM_END_EVENT: return nil
                case YAML_ALIAS_EVENT: anchored = true
                case YAML_SCALAR_EVENT: anchored = event.data.scalar.anchor != nil
                case YAML_SEQUENCE_START_EVENT: anchored = event.data.sequence_start.anchor != nil
                case YAML_MAPPING_START_EVENT: anchored = event.data.mapping_start.anchor != nil
                default: anchored = false
                }
                if anchored { return (Int(event.start_mark.line) + 1, Int(event.start_mark.column) + 1) }
            }
            return nil
        }
    }
}
