import AIOSProto
import Foundation
import SwiftProtobuf
import Testing

@testable import Daemon

@Suite("Request field limits: every string, bytes and map field measured before a handler reads it")
struct FieldLimitsTests {
    let walker = FieldSizeWalker()

    @Test("a 15 MiB agent in GrantTemporary is refused naming the field and its size, never the value")
    func hugeAgent() throws {
        var request = Aios_Security_V1_GrantTemporaryRequest()
        request.agent = String(repeating: "a", count: 15 << 20)
        request.capability = "fs:read:/tmp/*"
        let over = try #require(walker.check(request))
        #expect(over.field == "agent" && over.bytes == 15 << 20 && over.limit == 256 && !over.exhausts)
        #expect(over.description == "the field 'agent' holds 15728640 bytes; the limit is 256")
        #expect(!over.description.contains("aaaa"))
    }

    @Test("ids in Confirm and Revoke, and a reason in ExecuteTool, each have their own limit")
    func idsAndReasons() throws {
        var confirm = Aios_Security_V1_ConfirmRequest()
        confirm.pendingID = String(repeating: "p", count: 257)
        #expect(walker.check(confirm)?.field == "pending_id")
        var revoke = Aios_Security_V1_RevokeRequest()
        revoke.grantID = "grant-000001"
        revoke.reason = String(repeating: "r", count: 4096)
        #expect(walker.check(revoke) == nil, "a 4 KiB reason is within its limit")
        revoke.reason += "r"
        #expect(walker.check(revoke)?.field == "reason")
        var execute = Aios_Security_V1_ExecuteToolRequest()
        execute.tool = "fs.read"
        execute.reason = String(repeating: "x", count: 15 << 20)
        let over = try #require(walker.check(execute))
        #expect(over.field == "reason" && over.limit == 4096)
    }

    @Test("the arguments keep their 4 MiB in total (file contents) with RESOURCE_EXHAUSTED; a key has 256 bytes")
    func arguments() throws {
        var request = Aios_Security_V1_ExecuteToolRequest()
        request.tool = "fs.write"
        request.arguments = ["path": "/tmp/x", "content": String(repeating: "c", count: (4 << 20) - 20)]
        #expect(walker.check(request) == nil)
        request.arguments["content"]! += String(repeating: "c", count: 100)
        let over = try #require(walker.check(request))
        #expect(over.field == "arguments" && over.exhausts && over.limit == 4 << 20)
        #expect(over.description.hasPrefix("the arguments hold 4194401 bytes; the limit is 4194304 (4 MiB)"))
        var keyed = Aios_Security_V1_AuthorizeRequest()
        keyed.arguments = [String(repeating: "k", count: 300): "v"]
        let key = try #require(walker.check(keyed))
        #expect(key.field == "arguments key" && key.bytes == 300 && !key.exhausts)
    }

    @Test("a repeated field counts all its elements together")
    func repeated() throws {
        var spawn = Aios_Security_V1_SpawnAgentRequest()
        spawn.agent = "aios-agent-task"
        spawn.command = Array(repeating: String(repeating: "a", count: 1024), count: 256)
        #expect(walker.check(spawn) == nil, "256 KiB of argv is within the limit")
        spawn.command.append("b")
        #expect(walker.check(spawn)?.field == "command")
        var query = Aios_Security_V1_QueryAuditRequest()
        query.filters = Array(repeating: String(repeating: "f", count: 1024), count: 17)
        #expect(walker.check(query)?.field == "filters")
    }

    @Test("fields this daemon does not know are bounded too (the decoder keeps them)")
    func unknownFields() throws {
        var status = Aios_Security_V1_StatusRequest()
        #expect(walker.check(status) == nil)
        // Field 99, length-delimited (wire type 2), 5,000 bytes.
        var bytes: [UInt8] = [0x9A, 0x06]
        var length = 5000
        while length >= 0x80 {
            bytes.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        bytes.append(UInt8(length))
        bytes += Array(repeating: 0x41, count: 5000)
        status = try Aios_Security_V1_StatusRequest(serializedBytes: bytes)
        let over = try #require(walker.check(status))
        #expect(over.field == "unknown fields" && over.bytes > 5000)
    }

    @Test("every string, bytes and map field of every request in the .proto has a named limit (no drift)")
    func tableMatchesProto() throws {
        let proto = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Protos/aios/security/v1/security.proto")
        let text = try String(contentsOf: proto, encoding: .utf8)
        var checked = 0
        for block in text.components(separatedBy: "\nmessage ").dropFirst() {
            let name = String(block.prefix { $0 != " " && $0 != "{" })
            guard name.hasSuffix("Request") else { continue }
            let body = block.prefix { $0 != "}" }
            let named = FieldLimits.standard.fields(of: "aios.security.v1." + name)
            for line in body.split(separator: "\n") {
                let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ").map(String.init)
                guard let equals = words.firstIndex(of: "="), equals >= 2, equals + 1 < words.count else { continue }
                let field = words[equals - 1]
                let type = words[0] == "repeated" ? words[1] : words[0]
                guard type == "string" || type == "bytes" || type.hasPrefix("map<") else { continue }
                let number = Int(words[equals + 1].trimmingCharacters(in: CharacterSet(charactersIn: ";")))
                #expect(named[number ?? -1] == field, "\(name).\(field) = \(number ?? -1) has no limit in FieldLimits")
                checked += 1
            }
        }
        #expect(checked >= 35, "the .proto was read: \(checked) fields")
    }
}
