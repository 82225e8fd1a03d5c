import Audit
import Capabilities
import Detection
import Testing

@Suite("Events window: bounded per kind, whole from a known time, slow readers told what they missed")
struct EventWindowTests {
    static let start = Timestamp.seconds(1_800_000_000)

    static func event(_ kind: HostEventKind, at second: Int64, _ action: String = "x") -> HostEvent {
        HostEvent(
            kind: kind, time: .seconds(1_800_000_000 + second),
            draft: AuditDraft(
                eventType: .fileModification, agent: "host", action: action, target: "/etc/x", result: .success,
                riskLevel: .low))
    }

    @Test("the oldest event leaves first, and the window says from when it holds every event of the kind")
    func ringDropsOldest() {
        let window = EventWindow(capacityPerKind: 3, startedAt: Self.start)
        for second in 1...5 { window.publish(Self.event(.files, at: Int64(second), "e\(second)")) }
        window.publish(Self.event(.network, at: 9))
        let files = window.events(.files, since: Self.start)
        #expect(files.events.map(\.entry.draft.action) == ["e3", "e4", "e5"])
        #expect(
            files.wholeSince
                == Timestamp(millisecondsSinceEpoch: Timestamp.seconds(1_800_000_002).millisecondsSinceEpoch + 1))
        #expect(window.events(.network, since: Self.start).wholeSince == Self.start, "other kinds keep their history")
        #expect(window.events(.files, since: .seconds(1_800_000_004)).events.count == 2)
        #expect(window.dropped[.files] == 2)
        #expect(files.events.allSatisfy { !$0.recorded })
    }

    @Test("a subscriber sees only its kinds, in order; one that reads too slowly is told how many it missed")
    func slowSubscriber() async {
        let window = EventWindow(startedAt: Self.start)
        let stream = window.watch([.files], owner: "a", buffer: 2)!
        for second in 1...5 { window.publish(Self.event(.files, at: Int64(second), "e\(second)")) }
        window.publish(Self.event(.alerts, at: 6))
        var iterator = stream.makeAsyncIterator()
        var seen: [String] = []
        for _ in 0..<2 {
            if case .event(let event) = await iterator.next() { seen.append(event.entry.draft.action) }
        }
        window.publish(Self.event(.files, at: 7, "e7"))
        for _ in 0..<2 {
            switch await iterator.next() {
            case .event(let event): seen.append(event.entry.draft.action)
            case .missed(let count): seen.append("missed \(count)")
            case nil: seen.append("end")
            }
        }
        #expect(seen == ["e1", "e2", "missed 3", "e7"])
    }

    @Test("streams past an owner's share or the window's maximum are refused; closing ends every stream")
    func boundedAndClosed() async {
        let window = EventWindow(startedAt: Self.start, subscribersPerOwner: 2, maximumSubscribers: 3)
        // Held: a stream dropped at once would give its place back (see the next test).
        let first = window.watch([.alerts], owner: "a")
        let second = window.watch([.alerts], owner: "a")
        let third = window.watch([.alerts], owner: "a")
        let other = window.watch([.alerts], owner: "b")
        let over = window.watch([.alerts], owner: "c")
        #expect(first != nil && second != nil && other != nil)
        #expect(third == nil, "a third stream for one owner")
        #expect(over == nil, "over the window's maximum")
        window.close()
        var count = 0
        for await _ in first! { count += 1 }
        #expect(count == 0)
        #expect(window.subscriberCount == 0)
        #expect(window.watch([.alerts], owner: "d") == nil, "a closed window takes no new streams")
    }

    @Test("a dropped stream gives its place back")
    func droppedStreamLeaves() {
        let window = EventWindow(startedAt: Self.start, subscribersPerOwner: 1, maximumSubscribers: 4)
        do {
            let stream = window.watch([.alerts], owner: "a")
            #expect(stream != nil)
        }
        #expect(window.subscriberCount == 0)
        #expect(window.watch([.alerts], owner: "a") != nil)
    }

    @Test("ledger entries map to the kinds the API serves, and only those")
    func kindsOfRecordedTypes() {
        #expect(HostEventKind(recording: .networkConnection) == .network)
        #expect(HostEventKind(recording: .fileModification) == .files)
        #expect(HostEventKind(recording: .securityAlert) == .alerts)
        #expect(HostEventKind(recording: .agentSpawn) == .processes)
        #expect(HostEventKind(recording: .toolCall) == nil)
        #expect(HostEventKind(recording: .capabilityGrant) == nil)
        #expect(HostEventKind.processes.recordedTypes == [.agentSpawn, .agentShutdown, .humanCommand])
    }
}
