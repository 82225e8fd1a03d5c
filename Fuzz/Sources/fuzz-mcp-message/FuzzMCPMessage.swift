import Foundation
import MCP
import MCPBridge
import Policy

private let limit = 512
private let write = SecurityPolicy.builtin().tools.tools["fs.write"]!

/// What `aios-sec mcp` does with its standard input: frame lines (`LineFramer`, at a small limit), let the SDK decode
/// a `tools/call`'s parameters, and shape them into an `ExecuteToolRequest` (`ToolCall`). The first byte picks how
/// the input is cut into reads. Properties: no message over the limit or holding a newline; the same frames however
/// the input is cut; an accepted call carries only the tool's own arguments, with the strings sent.
public func fuzzMCPMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let chunk = Int(bytes[0]) + 1
    let input = Array(bytes.dropFirst())
    let whole = frames(input, chunk: input.count + 1)
    guard frames(input, chunk: chunk) == whole else { fatalError("framing depends on how the input is read") }
    for case .message(let message) in whole {
        guard message.count <= limit, !message.contains(UInt8(ascii: "\n")) else { fatalError("frame over the limit") }
        guard let parameters = try? JSONDecoder().decode(CallTool.Parameters.self, from: Data(message)) else {
            continue
        }
        guard let call = try? ToolCall(definition: write, arguments: parameters.arguments) else { continue }
        for (key, value) in call.request.arguments {
            guard ["path", "content"].contains(key), parameters.arguments?[key] == .string(value) else {
                fatalError("argument \(key) is not the tool's or not what was sent")
            }
        }
    }
    return 0
}

private func frames(_ input: [UInt8], chunk: Int) -> [LineFramer.Frame] {
    var framer = LineFramer(maximumBytes: limit)
    var result: [LineFramer.Frame] = []
    var offset = 0
    while offset < input.count {
        framer.append(input[offset..<min(offset + chunk, input.count)])
        offset += chunk
        while let frame = framer.next() { result.append(frame) }
    }
    while let frame = framer.finish() { result.append(frame) }
    return result
}
