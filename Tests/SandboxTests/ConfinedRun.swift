import Capabilities
import Foundation
import Testing

@testable import Sandbox

/// Runs a shell script in a full agent sandbox (all namespaces, the private view, Landlock unless told otherwise,
/// seccomp) as uid 61990, in a cgroup below `aios-test-<pid>` when limits are given; returns its exit status and
/// output. `whileRunning` sees the cgroup (if any) while the script runs.
func runConfined(
    _ script: String, capabilities: [String], daemonSocket: String? = nil, hidden: [String] = [],
    landlock: Bool = true,
    limits: CgroupLimits? = nil, whileRunning: (AgentCgroup?) throws -> Void = { _ in }
) throws -> (status: Int32, output: String) {
    let confinement = AgentConfinement(
        capabilities: try capabilities.map { try Capability(parsing: $0) },
        runtime: testRuntime + ["/etc/passwd"],
        scratchBytes: 1 << 20, daemonSocket: daemonSocket, hidden: hidden)
    try FileManager.default.createDirectory(atPath: confinement.view.root, withIntermediateDirectories: true)
    let cgroup = try limits.map {
        try AgentCgroup(
            layout: try CgroupLayout.detect(), parent: "aios-test-\(getpid())",
            name: "escape-\(UUID().uuidString.prefix(8))", limits: $0)
    }
    defer {
        try? cgroup?.kill()
        cgroup?.removeWithParent()
    }
    let output = Pipe()
    var spec = LaunchSpec(
        executable: "/bin/sh", arguments: ["sh", "-c", script], environment: ["PATH=/usr/bin:/bin"],
        identity: (61990, 61990), ownSessionKeyring: false,
        standardOutput: output.fileHandleForWriting.fileDescriptor,
        standardError: output.fileHandleForWriting.fileDescriptor, landlock: landlock ? confinement.landlock : nil,
        namespaces: .agent, seccomp: try SeccompFilter.agent.get(), filesystem: confinement.view)
    spec.landlockNetwork = confinement.network
    let child = try PendingProcess(spec)
    try cgroup?.add(pid: child.pid)
    try child.release()
    try output.fileHandleForWriting.close()
    try whileRunning(cgroup)
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (child.wait(), text)
}

/// `key=value` lines of a probe script's output.
func probeResults(_ output: String) -> [String: String] {
    Dictionary(
        output.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }, uniquingKeysWith: { $1 })
}
