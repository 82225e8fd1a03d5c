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
        var filters: [(name: String, value: String)] = []
        for filter in request.filters {
            let parts = filter.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw StatusMapping.invalid("filter '\(filter)' must be name=value") }
            filters.append((parts[0], parts[1]))
        }
        let stream = try auditStream(caller: try caller(context), filters: filters)
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

    /// The ledger query of `name=value` filters as every front end reads it (the gRPC API, the web console): who
    /// may read, and the filters parsed; a refusal or a bad filter is thrown as the gRPC status the API answers.
    public func auditQuery(caller: Caller, filters: [(name: String, value: String)]) throws -> AuditQuery {
        guard mayReadAudit(caller) else { throw StatusMapping.denied("\(caller) may not read the audit ledger") }
        do {
            return try AuditQuery(filters: filters, now: core.clock.now())
        } catch {
            throw StatusMapping.invalid("\(error)")
        }
    }

    /// The matching entries, oldest first, streamed: a reader thread hands over batches and waits until they are
    /// written, so a query over a large ledger holds two batches in memory, not the whole result. The consumer
    /// calls `finish()` when done or gone.
    public func auditStream(caller: Caller, filters: [(name: String, value: String)]) throws -> AuditQueryStream {
        let query = try auditQuery(caller: caller, filters: filters)
        return AuditQueryStream(reader: LedgerReader(directory: core.ledgerDirectory), query: query)
    }

    /// One entry by id, for a caller who may read the ledger; nil when there is none.
    public func auditEntry(caller: Caller, id: String) throws -> StoredEntry? {
        guard mayReadAudit(caller) else { throw StatusMapping.denied("\(caller) may not read the audit ledger") }
        do {
            return try LedgerReader(directory: core.ledgerDirectory).find(id: id)?.entry
        } catch let error where error.isInput {
            throw StatusMapping.invalid(error.message)
        } catch {
            throw RPCError(code: .unavailable, message: "cannot read the ledger: \(error)")
        }
    }

    /// Entry `id`'s inclusion proof against the newest checkpoint covering it, as `aios-sec audit prove` makes
    /// it, and the proof checked with the ledger's pinned key (as `audit verify-proof` checks it).
    public func inclusionProof(caller: Caller, id: String) throws -> (
        proof: InclusionProof, check: Result<Checkpoint, AuditError>
    ) {
        guard mayReadAudit(caller) else { throw StatusMapping.denied("\(caller) may not read the audit ledger") }
        let verifier = try checkpointVerifier()
        do {
            let proof = try LedgerReader(directory: core.ledgerDirectory).prove(id: id, verifier: verifier)
            return (proof, proof.verify(with: verifier))
        } catch let error where error.isInput {
            throw StatusMapping.invalid(error.message)
        } catch let error where error.isNotFound {
            throw RPCError(code: .notFound, message: error.message)
        } catch {
            throw RPCError(code: .dataLoss, message: error.message)
        }
    }

    public func verifyAudit(
        request: Aios_Security_V1_VerifyAuditRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_VerifyAuditResponse {
        let report = try verifyLedger(caller: try caller(context))
        var response = Aios_Security_V1_VerifyAuditResponse()
        response.intact = report.intact
        response.entries = UInt64(report.entries)
        response.problem = report.failure?.description ?? ""
        return response
    }

    /// The whole ledger verified (the same check as `aios-sec audit verify`), counting into `progress` as it
    /// reads. Runs on the calling thread for as long as the ledger takes.
    public func verifyLedger(caller: Caller, progress: VerificationProgress? = nil) throws -> VerificationReport {
        guard mayReadAudit(caller) else { throw StatusMapping.denied("\(caller) may not read the audit ledger") }
        return LedgerVerifier(directory: core.ledgerDirectory, verifier: try checkpointVerifier(), progress: progress)
            .verify()
    }

    private func checkpointVerifier() throws -> CheckpointVerifier {
        do {
            return try AuditKeys.verifier(from: core.ledgerDirectory + "/" + AuditKeys.publicKeyFile)
        } catch {
            throw RPCError(code: .unavailable, message: "no checkpoint key: \(error)")
        }
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
