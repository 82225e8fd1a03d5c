import Capabilities
import Testing

@testable import Policy

@Suite("Tool catalogue: from a call to the access it needs")
struct ToolCatalogueTests {
    let tools = SecurityPolicy.builtin().tools

    @Test(
        "each tool derives its capability request and risk from its arguments",
        arguments: [
            ("fs.read", ["path": "/etc/hosts"], "fs:read:/etc/hosts", RiskLevel.low),
            ("fs.write", ["path": "/etc/nginx/nginx.conf", "content": "x"], "fs:write:/etc/nginx/nginx.conf", .medium),
            ("fs.mkdir", ["path": "/opt/app"], "fs:mkdir:/opt/app", .low),
            ("fs.delete", ["path": "/tmp/x"], "fs:delete:/tmp/x", .high),
            ("process.spawn", ["name": "nginx"], "process:spawn:nginx", .medium),
            ("process.list", [:], "process:list:", .low),
            ("process.kill", ["name": "nginx", "pid": "42"], "process:kill:nginx", .high),
            ("net.listen", ["port": "443"], "net:listen:443", .medium),
            ("net.connect", ["host": "10.0.0.5", "port": "5432"], "net:connect:10.0.0.5:5432", .medium),
            ("pkg.install", ["package": "nginx"], "pkg:install:nginx", .high),
            ("service.restart", ["name": "nginx"], "service:restart:nginx", .medium),
            ("secret.read", ["name": "anthropic-api-key"], "secret:read:anthropic-api-key", .medium),
        ])
    func derives(_ tool: String, _ arguments: [String: String], _ expected: String, _ risk: RiskLevel) throws {
        let access = try tools.access(tool: tool, arguments: arguments).get()
        #expect("\(access.request.namespace):\(access.request.action):\(access.request.resource)" == expected)
        #expect(access.risk == risk)
        #expect(access.risk.requiresConfirmation == (risk >= .high))
    }

    @Test(
        "malformed calls are errors of the caller, naming each problem",
        arguments: [
            ("fs.frobnicate", [:], "unknown tool"),
            ("fs.write", ["path": "/x"], "missing argument 'content'"),
            ("fs.read", ["path": "/x", "mode": "r"], "unknown argument 'mode'"),
            ("fs.read", ["path": "etc/passwd"], "must be an absolute path"),
            ("fs.read", ["path": "/etc/\0"], "NUL byte"),
            ("net.listen", ["port": "70000"], "port number"),
            ("net.listen", ["port": "80a"], "port number"),
            ("pkg.install", ["package": "nginx; rm -rf /"], "must be a name"),
            ("net.connect", ["host": "a b", "port": "1"], "host name"),
        ])
    func malformed(_ tool: String, _ arguments: [String: String], _ expected: String) {
        switch tools.access(tool: tool, arguments: arguments) {
        case .success(let access): Issue.record("accepted: \(access.request)")
        case .failure(let error): #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test("a tool call decides like the capability it needs: the task agent with a grant writes below it only")
    func toolCallDecision() throws {
        var authority = SecurityPolicy.builtin().authority()
        let grant = GrantRequest(
            agent: "aios-agent-task", capability: try Capability(parsing: "fs:write:/tmp/demo/*"),
            lifetime: .duration(.seconds(600)), reason: "demo", taskID: "task-1")
        guard case .granted = authority.grant(grant, by: .orchestrator, at: .seconds(0)) else {
            Issue.record("the grant is within the task ceiling")
            return
        }
        let set = authority.capabilitySet()
        let inside = try tools.access(tool: "fs.write", arguments: ["path": "/tmp/demo/a.txt", "content": "x"]).get()
        let outside = try tools.access(tool: "fs.write", arguments: ["path": "/etc/passwd", "content": "x"]).get()
        let escape = try tools.access(
            tool: "fs.write", arguments: ["path": "/tmp/demo/../../etc/passwd", "content": "x"]
        ).get()
        #expect(set.check(inside.request, for: "aios-agent-task", at: .seconds(1)).isAllowed)
        #expect(!set.check(outside.request, for: "aios-agent-task", at: .seconds(1)).isAllowed)
        #expect(!set.check(escape.request, for: "aios-agent-task", at: .seconds(1)).isAllowed)
    }
}
