import Capabilities
import Policy

/// Feeds arbitrary bytes to the policy loader. Properties checked: no crash or hang; an accepted policy builds an
/// authority and a capability set, and every issue of a rejected one is located (line and column ≥ 1).

public func fuzzPolicy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let policy = try SecurityPolicy.parse(yaml: text, file: "fuzz.yaml")
        let set = policy.authority().capabilitySet()
        for agent in set.agents {
            _ = try? set.check(agent: agent, namespace: "fs", action: "read", resource: "/etc/x", at: .seconds(0))
        }
        for name in policy.tools.names {
            _ = policy.tools.access(tool: name, arguments: ["path": "/x", "name": "n", "port": "1"])
        }
    } catch {
        for issue in error.issues where issue.line < 1 || issue.column < 1 {
            fatalError("unlocated issue: \(issue)")
        }
    }
    return 0
}
