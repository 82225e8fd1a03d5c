import Foundation
import MCP

/// The client's requests the server has not answered yet, by id, so that the end of input does not end the process
/// before its answers are written (a client may close its side after its last request, as `printf … | aios-sec mcp`
/// does). Requests the client cancels need no answer and leave the set.
struct OpenRequests {
    private(set) var ids: Set<ID> = []

    var isEmpty: Bool { ids.isEmpty }

    /// A message from the client: a request opens its id, a cancellation closes the one it names.
    mutating func received(_ message: [UInt8]) {
        for envelope in Self.envelopes(message) {
            if let id = envelope.id, envelope.method != nil, !envelope.hasOutcome {
                ids.insert(id)
            } else if envelope.method == "notifications/cancelled", let id = envelope.cancelledRequest {
                ids.remove(id)
            }
        }
    }

    /// A message to the client: a response closes its id.
    mutating func sent(_ message: Data) {
        for envelope in Self.envelopes(Array(message)) where envelope.method == nil {
            if let id = envelope.id { ids.remove(id) }
        }
    }

    private static func envelopes(_ message: [UInt8]) -> [Envelope] {
        let decoder = JSONDecoder()
        let data = Data(message)
        if let batch = try? decoder.decode([Envelope].self, from: data) { return batch }
        if let single = try? decoder.decode(Envelope.self, from: data) { return [single] }
        return []
    }

    /// The members of a JSON-RPC message that say what it is; anything else in it is left undecoded.
    private struct Envelope: Decodable {
        let id: ID?
        let method: String?
        let cancelledRequest: ID?
        /// A `result` or `error` makes it a response whatever else it holds (the SDK reads it as one).
        let hasOutcome: Bool

        enum CodingKeys: String, CodingKey { case id, method, params, result, error }
        enum ParameterKeys: String, CodingKey { case requestId }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try? container.decodeIfPresent(ID.self, forKey: .id)
            method = try? container.decodeIfPresent(String.self, forKey: .method)
            let parameters = try? container.nestedContainer(keyedBy: ParameterKeys.self, forKey: .params)
            cancelledRequest = try? parameters?.decodeIfPresent(ID.self, forKey: .requestId)
            hasOutcome = container.contains(.result) || container.contains(.error)
        }
    }
}
