import Crypto
import Foundation
import MCP
import Policy
import Testing

@testable import MCPBridge

@Suite("Published tools: schemas from the catalogue, pins a client can recompute")
struct PublishedToolTests {
    static let brokerTools = [
        "fs.read", "fs.list", "fs.write", "fs.mkdir", "fs.delete", "process.list", "process.spawn", "process.kill",
    ]
    let tools = MCPBridge.published(catalogue: SecurityPolicy.builtin().tools, names: Self.brokerTools)

    private func tool(_ name: String) throws -> PublishedTool {
        try #require(tools.first { $0.definition.name == name })
    }

    /// The JSON the client receives for `tool`, parsed back.
    private func wire(_ tool: Tool) throws -> [String: Any] {
        let data = try JSONEncoder().encode(tool)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("every Broker tool is published, in name order")
    func names() {
        #expect(tools.map(\.definition.name) == Self.brokerTools.sorted())
    }

    @Test("fs.write: its two arguments required, reason and task_id optional, nothing else accepted")
    func schema() throws {
        let schema = try #require(try wire(tool("fs.write").tool)["inputSchema"] as? [String: Any])
        let properties = try #require(schema["properties"] as? [String: [String: Any]])
        #expect(Set(properties.keys) == ["path", "content", "reason", "task_id"])
        #expect(properties.values.allSatisfy { $0["type"] as? String == "string" })
        #expect(Set(try #require(schema["required"] as? [String])) == ["path", "content"])
        #expect(schema["additionalProperties"] as? Bool == false)
        #expect(properties["path"]?["pattern"] as? String == "^/")
    }

    @Test("the description is the catalogue's summary, the capability and what the risk means")
    func description() throws {
        let delete = try tool("fs.delete").tool
        #expect(delete.description?.hasPrefix("Delete a file. Needs the capability fs:delete:{path}.") == true)
        #expect(delete.description?.contains("waits until the orchestrator confirms") == true)
        #expect(delete.annotations.destructiveHint == true)
        #expect(try tool("fs.read").tool.annotations.readOnlyHint == true)
    }

    @Test("the pin is the SHA-256 of the sorted, compact JSON of what the client receives")
    func pinFromTheWire() throws {
        for published in tools {
            var received = try wire(published.tool)
            let meta = try #require(received.removeValue(forKey: "_meta") as? [String: Any])
            #expect(meta[PublishedTool.hashKey] as? String == published.sha256)
            let canonical = try JSONSerialization.data(
                withJSONObject: received, options: [.sortedKeys, .withoutEscapingSlashes])
            let digest = SHA256.hash(data: canonical).map { String(format: "%02x", $0) }.joined()
            #expect(digest == published.sha256, "\(String(decoding: canonical, as: UTF8.self))")
        }
    }

    @Test("pins differ between tools and do not change from one build of the list to the next")
    func stable() {
        let again = MCPBridge.published(catalogue: SecurityPolicy.builtin().tools, names: Self.brokerTools.reversed())
        #expect(again.map(\.sha256) == tools.map(\.sha256))
        #expect(Set(tools.map(\.sha256)).count == tools.count)
    }

    @Test(
        "each argument's pattern accepts what the catalogue accepts",
        arguments: [
            (ToolArgument.Kind.path, "/tmp/a b", true), (.path, "tmp/a", false), (.port, "443", true),
            (.port, "http", false), (.integer, "-12", true), (.integer, "1.5", false), (.host, "example.org", true),
            (.host, "a/b", false), (.host, "a b", false), (.name, "nginx-1.2+x@y_z", true), (.name, "a;b", false),
            (.name, "", false),
        ])
    func patterns(kind: ToolArgument.Kind, value: String, accepted: Bool) throws {
        let argument = ToolArgument(name: "x", kind: kind)
        #expect((argument.problem(with: value) == nil) == accepted)
        let definition = ToolDefinition(
            name: "t", capability: try CapabilityTemplate(parsing: "fs:read:/"), risk: .low, arguments: [argument],
            summary: "")
        let schema = try wire(PublishedTool(definition).tool)["inputSchema"] as? [String: Any]
        let property = (schema?["properties"] as? [String: [String: Any]])?["x"]
        let pattern = try #require(property?["pattern"] as? String)
        let regex = try NSRegularExpression(pattern: pattern)
        let matches = regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
        #expect(matches == accepted, "\(pattern) on '\(value)'")
    }
}
