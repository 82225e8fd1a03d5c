import Capabilities
import Foundation
import Policy
import Testing

@testable import Sandbox

/// Compiles profiles without a kernel: `-Q` never loads, `-K` never touches the cache.
private let parserPath = "/usr/sbin/apparmor_parser"

/// Like `requireRoot`: without apparmor_parser the test is skipped with a printed reason, except under CI, where it
/// is recorded as a failure (CI must compile the profiles for real).
private func requireParser() -> Bool {
    if FileManager.default.isExecutableFile(atPath: parserPath) { return true }
    if ProcessInfo.processInfo.environment["CI"] != nil {
        Issue.record("needs \(parserPath) (the apparmor package)")
    } else {
        print("skipped (needs \(parserPath), from the apparmor package)")
    }
    return false
}

/// Runs `apparmor_parser -Q -K -D rule-exprs` on the profile: its exit status and the path expressions it read
/// (the `aare:` lines), which show what the parser understood each quoted path to be.
private func compile(_ profile: AppArmorProfile) throws -> (status: Int32, patterns: Set<String>, output: String) {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("aios-apparmor-\(UUID().uuidString)")
    try profile.text.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: parserPath)
    process.arguments = ["-Q", "-K", "-D", "rule-exprs", file.path]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let patterns = text.split(separator: "\n").compactMap { line -> String? in
        guard line.hasPrefix("aare: "), let arrow = line.range(of: "   ->   ") else { return nil }
        return String(line[line.index(line.startIndex, offsetBy: 6)..<arrow.lowerBound])
    }
    return (process.terminationStatus, Set(patterns), text)
}

private func capabilities(_ texts: [String]) throws -> [Capability] { try texts.map { try Capability(parsing: $0) } }

/// The rules of a profile, without comments and indentation.
private func rules(_ profile: AppArmorProfile) -> [String] {
    profile.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty && !$0.hasPrefix("#") }
}

/// The built-in policy's agents and the capabilities they hold.
private let builtinAgents: [(String, [Capability])] = {
    let policy = SecurityPolicy.builtin()
    let held = policy.authority().capabilitySet()
    return policy.agents.keys.sorted { $0.rawValue < $1.rawValue }.map {
        ($0.rawValue, held.holdings(of: $0).map(\.capability))
    }
}()

private let runtime = SecurityPolicy.builtin().sandbox.runtime

@Suite("AppArmor profiles rendered from capabilities, compiled by apparmor_parser")
struct AppArmorTests {
    @Test("every built-in agent's profile compiles", arguments: builtinAgents.map(\.0))
    func builtinAgentsCompile(agent: String) throws {
        let held = builtinAgents.first { $0.0 == agent }!.1
        let profile = try AppArmorProfile.render(
            agent: agent, capabilities: held, runtime: runtime, daemonSocket: "/run/aios/agent.sock")
        #expect(profile.name == agent)
        #expect(profile.text.contains("profile \(agent) flags=(attach_disconnected,mediate_deleted) {"))
        guard requireParser() else { return }
        let result = try compile(profile)
        #expect(result.status == 0, "\(result.output)\n\(profile.text)")
    }

    @Test("fs:read is r on the directory and beneath it, never w; write is rw; mkdir is w on directories only")
    func fileRights() throws {
        let profile = try AppArmorProfile.render(
            agent: "task-1",
            capabilities: capabilities([
                "fs:read:/var/log/*", "fs:write:/etc/nginx/*", "fs:mkdir:/srv/*", "fs:delete:/tmp/old",
                "fs:read:/etc/hostname", "fs:*:/opt/app/*",
            ]), runtime: runtime, daemonSocket: nil)
        let lines = Set(rules(profile))
        #expect(profile.name == "aios-agent-task-1")
        #expect(lines.contains(#""/var/log/" r,"#))
        #expect(lines.contains(#""/var/log/**" r,"#))
        #expect(!lines.contains { $0.hasPrefix(#""/var/log"#) && $0.contains("w") })
        #expect(lines.contains(#""/etc/nginx/**" rwlk,"#))
        #expect(lines.contains(#""/srv/**/" w,"#))
        #expect(lines.contains(#""/tmp/old" w,"#) && lines.contains(#""/tmp/old/" w,"#))
        #expect(lines.contains(#""/etc/hostname" r,"#))
        #expect(lines.contains(#""/opt/app/**" rwlk,"#))
        #expect(lines.contains(#""/usr/**" mrix,"#))
        #expect(lines.contains(#""/dev/null" rw,"#))
        #expect(!lines.contains { $0.hasPrefix(#""/**""#) }, "no capability reaches /")
        // Execute comes only from the runtime.
        #expect(
            lines.filter { $0.hasSuffix("ix,") }.allSatisfy { line in
                runtime.contains { line.hasPrefix("\"\($0)") }
            })
        guard requireParser() else { return }
        let result = try compile(profile)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("no capability rule, raw and packet sockets denied, TCP only with a net: capability")
    func confinement() throws {
        let quiet = try AppArmorProfile.render(agent: "quiet", capabilities: [], runtime: runtime, daemonSocket: nil)
        let online = try AppArmorProfile.render(
            agent: "online", capabilities: capabilities(["net:connect:10.0.0.5:5432"]), runtime: runtime,
            daemonSocket: nil)
        for profile in [quiet, online] {
            let lines = rules(profile)
            #expect(!lines.contains { $0.contains("capability") })
            for rule in ["deny network raw,", "deny network packet,", "deny ptrace,", "deny mount,", "deny umount,"] {
                #expect(lines.contains(rule))
            }
            #expect(lines.first == "abi <abi/3.0>,")
            #expect(lines.contains("include <tunables/global>"))
        }
        #expect(!rules(quiet).contains { $0.hasPrefix("network inet") })
        #expect(rules(online).contains("network inet stream,") && rules(online).contains("network inet6 stream,"))
        #expect(!rules(online).contains { $0.hasPrefix("network") && $0.contains("dgram") })
        guard requireParser() else { return }
        for profile in [quiet, online] { #expect(try compile(profile).status == 0) }
    }

    /// Paths are untrusted: written into a profile as they are, each of these would change its meaning (end the
    /// quote, add a rule, glob, expand a variable, escape). The capability parser refuses some; the renderer refuses
    /// all of them, wherever they come from.
    @Test(
        "a path holding a character AppArmor interprets is refused",
        arguments: [
            "/srv/x, /** rwx,", #"/srv/x" rwx, "/y"#, "/srv/@{HOME}", "/srv/{a,b}", "/srv/[ab]", "/srv/a?b", "/srv/a^b",
            #"/srv/a\"#, #"/srv/a\012b"#, "/srv/a*b", "/srv/x\n/** rwx,", "/srv/x, /y",
        ])
    func hostilePathRefused(path: String) throws {
        #expect(throws: AppArmorProfileError.self) {
            try AppArmorProfile.render(agent: "task", capabilities: [], runtime: [path], daemonSocket: nil)
        }
        #expect(throws: AppArmorProfileError.self) {
            try AppArmorProfile.render(agent: "task", capabilities: [], runtime: runtime, daemonSocket: path)
        }
        for text in ["fs:read:\(path)", "fs:write:\(path)/*", "fs:mkdir:\(path)"] {
            guard let capability = try? Capability(parsing: text) else { continue }  // refused already
            #expect(throws: AppArmorProfileError.self, "\(text)") {
                try AppArmorProfile.render(
                    agent: "task", capabilities: [capability], runtime: runtime, daemonSocket: nil)
            }
        }
    }

    @Test("a newline reaches no profile; an agent name that is not a plain word is refused")
    func newlinesAndNames() throws {
        #expect(throws: CapabilityError.self) { try Capability(parsing: "fs:read:/srv/x\n/** rwx,") }
        for agent in ["task\n/** rwx,", "task {", "", "a b"] {
            #expect(throws: AppArmorProfileError.self) {
                try AppArmorProfile.render(agent: agent, capabilities: [], runtime: runtime, daemonSocket: nil)
            }
        }
    }

    @Test("an unusual but harmless path stays one literal: the parser reads exactly the rules rendered")
    func oddPathIsOneLiteral() throws {
        let odd = "/srv/a b/#c$d(e)|f~'!&;<>=%+:g/ünï"
        let profile = try AppArmorProfile.render(
            agent: "task", capabilities: capabilities(["fs:read:\(odd)", "fs:write:\(odd)/*"]), runtime: runtime,
            daemonSocket: nil)
        let fileRules = rules(profile).filter { $0.hasPrefix("\"") }
        #expect(fileRules.contains("\"\(odd)\" r,"))
        #expect(fileRules.contains("\"\(odd)/**\" rwlk,"))
        // One quoted pattern per line, nothing after the permissions.
        #expect(fileRules.allSatisfy { $0.wholeMatch(of: #/"[^"]*" [mrwlkix]+,/#) != nil })
        guard requireParser() else { return }
        let result = try compile(profile)
        #expect(result.status == 0, "\(result.output)")
        let rendered = Set(fileRules.map { rule in String(rule.dropFirst().prefix { $0 != "\"" }) })
        #expect(result.patterns == rendered.union(["aios-agent-task", "/proc/*/mem"]), "\(result.output)")
    }
}
