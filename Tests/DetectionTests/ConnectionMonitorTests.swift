import Audit
import Capabilities
import Foundation
import Policy
import SecurityTesting
import Synchronization
import Testing

@testable import Detection

/// The real path, as root, in namespaces the test creates: the kernel's connection tracking in the target, an
/// inbound connection from the attacker and an outbound one by an unprivileged uid, recorded with their owner.
@Suite(.serialized) struct ConnectionMonitorTests {
    static let listener = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(64)
        while True:
            c, _ = s.accept(); c.recv(1); c.close()
        """
    static let client = """
        import socket, sys, time
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3); time.sleep(1.5); s.close()
        """

    @Test(.requiresRoot("network namespaces, conntrack events, sock_diag"))
    func inboundAndOutboundAreRecordedWithTheirOwner() throws {
        let lab = try IDSLab()
        defer { lab.close() }
        try lab.listen([8080])
        try lab.start(["python3", "-c", Self.listener, "9099"], in: lab.attacker)
        let audit = RecordingAudit()
        let observed = Mutex<[HostEvent]>([])
        let target = IPAddress(IDSLab.target)!
        let monitor = ConnectionMonitor(
            reader: try ConntrackReader(networkNamespace: lab.namespacePath),
            owners: try SocketOwnerLookup(networkNamespace: lab.namespacePath),
            isLocal: { $0 == target || $0.isLoopback },
            attribution: .init(agentsByUID: [65534: "aios-agent-probe"]), audit: audit.sink,
            observe: { event in observed.withLock { $0.append(event) } })
        let finished = DispatchSemaphore(value: 0)
        Thread {
            try? monitor.run()
            finished.signal()
        }.start()

        for source in ["10.77.0.11", "10.77.0.11", "10.77.0.11"] { #expect(try lab.connects(from: source, port: 8080)) }
        var outbound = (status: Int32(1), output: "")
        for _ in 0..<20 where outbound.status != 0 {
            outbound = try lab.exec(
                lab.targetNamespace,
                [
                    "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
                    Self.client,
                    "10.77.0.1", "9099",
                ])
            if outbound.status != 0 { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(outbound.status == 0, "\(outbound.output)")
        Thread.sleep(forTimeInterval: 1)
        monitor.stop()
        finished.wait()

        let accepted = audit.entries.filter { $0.action == "net.accept" && $0.target == "tcp :8080 ← 10.77.0.11" }
        #expect((1...2).contains(accepted.count), "one entry per flow and minute: \(audit.entries.map(\.target))")
        let opened = accepted.compactMap { entry -> Int64? in
            if case .integer(let count) = entry.details["opened"] { return count }
            return nil
        }
        #expect(opened.reduce(0, +) == 3)
        let connect = try #require(audit.entries.first { $0.action == "net.connect" && $0.agent == "aios-agent-probe" })
        #expect(connect.target == "tcp 10.77.0.1:9099")
        #expect(connect.details["uid"] == .integer(65534))
        #expect(connect.details["cgroup_id"] != nil, "the socket's cgroup is known")
        let events = observed.withLock { $0 }
        #expect(events.allSatisfy { $0.kind == .network && !$0.recorded })
        // Its end comes when the kernel forgets the connection (TCP: after TIME_WAIT, two minutes): not here.
        #expect(
            events.contains {
                $0.entry.draft.agent == "aios-agent-probe" && $0.entry.draft.details["event"] == .string("new")
                    && $0.entry.draft.details["source_port"] != nil
            }, "each connection as it happens, with its source port")
        #expect(monitor.statistics.reader.overruns == 0 && monitor.statistics.auditFailures == 0)
    }
}
