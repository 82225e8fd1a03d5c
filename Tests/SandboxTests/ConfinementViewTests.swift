import Capabilities
import Testing

@testable import Sandbox

@Suite("The view compiled from capabilities: masks, kinds, the scratch's limits")
struct ConfinementViewTests {
    func view(_ capabilities: [String], hidden: [String] = []) throws -> [FilesystemView.Mount] {
        try AgentConfinement(
            capabilities: capabilities.map { try Capability(parsing: $0) }, runtime: ["/usr", "/bin"],
            scratchBytes: 64 << 20, daemonSocket: "/run/aios/daemon.sock", hidden: hidden
        ).view.mounts
    }

    @Test("a broader grant gets the socket directories masked, before the daemon's socket is bound on top")
    func masks() throws {
        let mounts = try view(["fs:read:*"], hidden: ["/srv/state"])
        let masked = mounts.filter { $0.kind == .mask }.map(\.target)
        #expect(Set(masked) == Set(AgentConfinement.socketDirectories + ["/srv/state"]))
        let targets = mounts.map(\.target)
        #expect(targets.firstIndex(of: "/")! < targets.firstIndex(of: "/run")!)
        #expect(targets.firstIndex(of: "/run")! < targets.firstIndex(of: "/run/aios/daemon.sock")!)
    }

    @Test("no mask where no grant shows the directory, or where it is granted by name")
    func noMasks() throws {
        #expect(try view(["fs:write:/var/tmp/work/*"]).allSatisfy { $0.kind != .mask })
        let named = try view(["fs:read:/run/*", "fs:read:/var/*"])
        #expect(named.filter { $0.kind == .mask }.map(\.target).sorted() == ["/var/lib/aios", "/var/run", "/var/tmp"])
    }

    @Test("the runtime is the only executable bind; grants are data; the scratch has an inode limit")
    func kinds() throws {
        let mounts = try view(["fs:read:/srv/*", "fs:write:/var/tmp/work/*"])
        #expect(mounts.first { $0.target == "/usr" }?.kind == .runtime)
        #expect(mounts.first { $0.target == "/srv" }?.kind == .readOnly)
        #expect(mounts.first { $0.target == "/var/tmp/work" }?.kind == .readWrite)
        #expect(mounts.first { $0.target == "/tmp" }?.options == "mode=1777,size=67108864,nr_inodes=16384")
        #expect(mounts.first { $0.target == "/proc" }?.options == "hidepid=2")
        #expect(AgentConfinement.scratchInodes(1 << 20) == 1024)
    }
}
