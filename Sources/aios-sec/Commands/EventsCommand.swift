import AIOSProto
import ArgumentParser
import Audit
import GRPCCore

#if canImport(Glibc)
import Glibc
#endif

/// `aios-sec events KIND`: what the security agent reads, for a person at a terminal or a script.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Recent host events from the daemon: network, files, processes or alerts.",
        discussion: """
            Reads the daemon's window of recent events and, before it, what the ledger recorded of the same kind.
            --json prints each event in the ledger's entry format, one per line ("id" is empty for events the
            ledger did not record). --follow then keeps printing events as they happen, until interrupted.
            Exit status: 0, 64 bad options, 65 refused input, 69 daemon unreachable, 77 not allowed.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "network, files, processes or alerts.") var kind: String
    @Option(help: "From when: a duration back (5m, 1h30m), an RFC 3339 UTC time or a day.") var last = "5m"
    @Option(help: "At most this many, the newest (1 to 10000).") var limit = 1000
    @Flag(help: "Then print new events as they happen.") var follow = false

    func run() async throws {
        guard (1...10_000).contains(limit) else {
            printError("events: --limit \(limit) must be from 1 to 10000")
            throw ExitStatus.usage
        }
        let json = connection.json
        guard follow else {
            var request = Aios_Security_V1_GetEventsRequest()
            request.kind = kind
            request.since = last
            request.limit = UInt32(limit)
            let response = try await connection.withClient { [request] in try await $0.getEvents(request) }
            if response.truncated {
                printError("events: more matched; the newest \(response.events.count) are shown")
            }
            for event in response.events { print(json ? event.json : Self.line(event)) }
            return
        }
        // One stream for the earlier events and the new ones: nothing falls between the two.
        var request = Aios_Security_V1_WatchEventsRequest()
        request.kinds = [kind]
        request.since = last
        request.limit = UInt32(limit)
        try await connection.withClient { [request] client in
            try await client.watchEvents(request) { stream in
                for try await message in stream.messages {
                    if message.missed > 0 { printError("events: \(message.missed) events missed (reading too slowly)") }
                    print(json ? message.event.json : Self.line(message.event))
                    fflush(nil)
                }
            }
        }
    }

    /// One event for a person: when, what, who, on what, and how it ended.
    static func line(_ event: Aios_Security_V1_HostEvent) -> String {
        guard let entry = try? JSONParser.parse(event.json) else { return event.json }
        func field(_ key: String) -> String { entry[key]?.stringValue ?? "-" }
        let recorded = field("id").isEmpty ? "" : "  [\(field("id"))]"
        return "\(field("timestamp"))  \(field("event_type"))  \(field("agent"))  \(field("action"))  "
            + "\(field("target"))  \(field("result"))/\(field("risk_level"))\(recorded)"
    }
}
