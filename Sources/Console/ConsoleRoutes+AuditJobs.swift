import Audit
import Daemon
import GRPCCore
import Hummingbird

extension ConsoleRoutes {
    /// Starts a verification of the whole ledger (or joins the running one) and sends the browser to its page.
    /// The start is recorded as the operator's action, the outcome when it ends.
    func startVerify(_ request: Request, context: ConsoleContext) async throws -> Response {
        let body = try await Self.body(of: request)
        guard let session = try await checkedSession(request, body: body, context: context, action: "audit.verify")
        else { return loginPage(token: nil, context: context, status: .unauthorized) }
        let caller = try Self.caller(session)
        let service = backend.service
        let ledger = backend.core.ledger
        let total: Int
        do {
            let reader = LedgerReader(directory: backend.core.ledgerDirectory)
            total = try await LedgerReads.run { try reader.count() }
        } catch {
            return refusedPage(
                RPCError(code: .unavailable, message: "cannot read the ledger: \(error)"), session: session)
        }
        let jobs = backend.verifyJobs
        let (job, started) = jobs.start(
            by: session.operator, total: total,
            work: { progress in Result { try service.verifyLedger(caller: caller, progress: progress) } },
            finished: { job in
                Task {
                    do {
                        _ = try await ledger.append(ConsoleAudit.verified(job, by: caller.auditName))
                    } catch {
                        jobs.unrecorded(id: job.id, problem: "\(error)")
                    }
                }
            })
        if started {
            try await record(ConsoleAudit.verifyStarted(job, by: caller.auditName))
        }
        return Self.redirect(to: "/audit/verify/\(job.id)")
    }

    /// The job's page, or (`status`) its progress as JSON for the page's script.
    func verifyPage(_ context: ConsoleContext, status: Bool) throws -> Response {
        guard let session = context.session else {
            return loginPage(token: nil, context: context, status: .unauthorized)
        }
        guard let job = backend.verifyJobs.job(id: context.parameters.get("job") ?? "") else {
            return refusedPage(
                RPCError(code: .notFound, message: "No such verification (only the newest one is kept)."),
                session: session)
        }
        if status {
            var members: [(key: String, value: JSONValue)] = [
                ("checked", .integer(Int64(job.checked))), ("total", .integer(Int64(job.total))),
                ("finished", .bool(job.finished)),
            ]
            if let report = job.report { members.append(("intact", .bool(report.intact))) }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: .init(string: JSONValue.object(members).canonicalText)))
        }
        var values: [String: Any] = [
            "id": job.id, "by": job.by, "checked": job.checked, "total": job.total, "running": !job.finished,
        ]
        if let report = job.report {
            values["report"] = [
                "intact": report.intact, "entries": report.entries, "days": report.days.count,
                "checkpoints": report.checkpoints, "uncovered": report.days.reduce(0) { $0 + $1.uncovered },
                "problem": report.failure?.description ?? "",
            ]
        }
        if let error = job.error { values["error"] = error }
        if let unrecorded = job.unrecorded { values["unrecorded"] = unrecorded }
        return html(pages.render("audit-verify", title: "Ledger verification", session: session, values))
    }

    /// The search's matching entries as JSON lines, oldest first, streamed from the ledger in batches (memory stays
    /// at two batches whatever the ledger's size), the same stream the gRPC `QueryAudit` writes. The export is
    /// recorded, with its filters, before the first line is sent.
    func export(_ request: Request, context: ConsoleContext) async throws -> Response {
        let body = try await Self.body(of: request)
        guard let session = try await checkedSession(request, body: body, context: context, action: "audit.export")
        else { return loginPage(token: nil, context: context, status: .unauthorized) }
        let search = try Self.decode(AuditSearch.self, from: body)
        let caller = try Self.caller(session)
        let filters: [(name: String, value: String)]
        do {
            filters = try search.filters(now: backend.now)
            _ = try backend.service.auditQuery(caller: caller, filters: filters)
        } catch let refusal as ConsoleRefusal {
            throw refusal
        } catch let error as RPCError {
            return refusedPage(error, session: session)
        }
        try await record(ConsoleAudit.exported(filters: filters, by: caller.auditName))
        let service = backend.service
        let stamp = backend.now.rfc3339.filter { $0.isNumber }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/x-ndjson; charset=utf-8",
                .contentDisposition: "attachment; filename=\"aios-audit-\(stamp).jsonl\"",
            ],
            body: ResponseBody { writer in
                // The reader thread starts only once the body is written: a client gone before that leaves none.
                let stream = try service.auditStream(caller: caller, filters: filters)
                defer { stream.finish() }
                for try await batch in stream.batches {
                    var buffer = ByteBuffer()
                    for json in batch {
                        buffer.writeString(json)
                        buffer.writeInteger(UInt8(ascii: "\n"))
                    }
                    try await writer.write(buffer)
                    stream.consumed()
                }
                try await writer.finish(nil)
            })
    }
}
