import Testing

@testable import Agents

@Suite("Agent cgroup names: the agent and the launcher responsible for them")
struct AgentCgroupNameTests {
    @Test("a name round-trips, agent names with dashes included")
    func roundTrip() throws {
        let name = AgentCgroupName(agent: "aios-agent-network", launcher: 4242, suffix: "0a1b2c3d")
        #expect(name.description == "agent-aios-agent-network-4242-0a1b2c3d")
        let parsed = try #require(AgentCgroupName(name.description))
        #expect(parsed == name)
    }

    @Test("other names are not taken for agent cgroups (nothing of theirs is reclaimed)")
    func otherNames() {
        for other in [
            "agent-reader-0a1b2c3d", "agent--0a1b2c3d", "bench-1-0a1b2c3d", "agent-x-0-0a1b2c3d",
            "agent-x-12-0a1b2c3", "agent-x-12-0a1b2c3z", "agent-x-abc-0a1b2c3d", "escape-0a1b2c3d",
        ] {
            #expect(AgentCgroupName(other) == nil, "\(other)")
        }
    }
}
