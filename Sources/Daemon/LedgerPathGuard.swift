import Audit
import Capabilities
import ServiceLifecycle

/// Watches the paths of today's and tomorrow's ledger files: an object that is not a day file there (a directory
/// planted by something that reached the ledger directory) would make the ledger refuse every append from
/// midnight on. It is found within `interval` and recorded as a `security_alert` in today's file, hours before it
/// could stop anything; each distinct finding is recorded once. The ledger itself still refuses the object.
struct LedgerPathGuard: Service {
    let core: DaemonCore
    var interval: Duration = .seconds(10)

    func run() async throws {
        var reported: Set<String> = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = core.clock.now()
            let tomorrow = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 86_400_000)
            for day in [now.utcDay, tomorrow.utcDay] {
                guard let problem = LedgerFiles.foreignObject(atDay: day, in: core.ledgerDirectory),
                    reported.insert(problem).inserted
                else { continue }
                await core.recordOrReport(
                    AuditDraft(
                        eventType: .securityAlert, agent: "aios-sec", action: "ledger.foreign_object",
                        target: day, result: .denied, riskLevel: .critical,
                        details: .object([
                            ("problem", .string(problem)),
                            ("consequence", .string("the ledger refuses every append once \(day) begins")),
                        ])))
            }
            await pause(interval)
        }
    }
}
