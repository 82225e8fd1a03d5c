import AIOSProto
import Audit
import Capabilities
import GRPCCore

extension SecurityService {
    /// Reading the ledger: the orchestrator and operators; agents only with a capability for `audit.query`.
    func mayReadAudit(_ caller: Caller) -> Bool {
        guard let agent = caller.agent else { return caller.principal != nil }
        guard let request = try? AccessRequest(namespace: "audit", action: "query", resource: "") else { return false }
        return core.authority.check(request, for: agent, at: core.clock.now()).isAllowed
    }

    public func queryAudit(
        request: Aios_Security_V1_QueryAuditRequest, response: RPCWriter<Aios_Security_V1_AuditRecord>,
        context: ServerContext
    ) async throws {
        let caller = try caller(context)
        guard mayReadAudit(caller) else { throw StatusMapping.denied("\(caller) may not read the audit ledger") }
        var filters: [(name: String, value: String)] = []
        for filter in request.filters {
            let parts = filter.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw StatusMapping.invalid("filter '\(filter)' must be name=value") }
            filters.append((parts[0], parts[1]))
        }
        let query: AuditQuery
        do {
            query = try AuditQuery(filters: filters, now: core.clock.now())
        } catch {
            throw StatusMapping.invalid("\(error)")
        }
        // Streamed: a reader thread hands over batches and waits until they are written, so a query over a
        // large ledger holds two batches in memory, not the whole result.
        let stream = AuditQueryStream(reader: LedgerReader(directory: core.ledgerDirectory), query: query)
        defer { stream.finish() }
        do {
            for try await batch in stream.batches {
                for json in batch {
                    var record = Aios_Security_V1_AuditRecord()
                    record.json = json
                    try await response.write(record)
                }
                stream.consumed()
            }
        } catch let error as AuditError {
            throw RPCError(code: .unavailable, message: "cannot read the ledger: \(error)")
        }
    }

    public func verifyAudit(
        request: Aios_Security_V1_VerifyAuditRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_VerifyAuditResponse {
        let caller = try caller(context)
        guard mayReadAudit(caller) else { throw StatusMapping.denied("\(caller) may not read the audit ledger") }
        let verifier: CheckpointVerifier
        do {
            verifier = try AuditKeys.verifier(from: core.ledgerDirectory + "/" + AuditKeys.publicKeyFile)
        } catch {
            throw RPCError(code: .unavailable, message: "no checkpoint key: \(error)")
        }
        let report = LedgerVerifier(directory: core.ledgerDirectory, verifier: verifier).verify()
        var response = Aios_Security_V1_VerifyAuditResponse()
        response.intact = report.intact
        response.entries = UInt64(report.entries)
        response.problem = report.failure?.description ?? ""
        return response
    }

    public func status(
        request: Aios_Security_V1_StatusRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_StatusResponse {
        let caller = try caller(context)
        let now = core.clock.now()
        var response = Aios_Security_V1_StatusResponse()
        response.caller = caller.identity.uri
        response.version = DaemonCore.version
        response.policy = core.policy.source
        response.ledgerEntries = UInt64(core.ledgerEntriesAtStart + core.ledger.statistics.entries)
        response.activeGrants = UInt64(core.authority.activeGrants(at: now).count)
        response.pendingCalls = UInt64(core.pending.calls.count)
        response.emergencyState = core.emergency.stateName
        response.startedAt = core.startedAt.rfc3339
        response.mode = core.emergency.modeName
        if let record = core.emergency.record {
            response.manualSince = record.since
            response.manualBy = record.by
            response.manualReason = record.reason
        }
        response.humanSessions = (workers.humanSessions?.current() ?? []).map { info in
            var session = Aios_Security_V1_HumanSession()
            session.user = info.who
            session.keyFingerprint = info.login?.fingerprint ?? ""
            session.source = info.login?.from ?? ""
            session.sessionID = info.sessionID
            session.startedAt = info.startedAt.rfc3339
            session.commands = UInt64(info.commands)
            return session
        }
        return response
    }
}
