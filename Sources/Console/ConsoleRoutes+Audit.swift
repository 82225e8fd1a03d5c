import Audit
import Daemon
import GRPCCore
import Hummingbird

extension ConsoleRoutes {
    /// Entries per page of a search.
    static let auditPageSize = 50
    /// Entries one search request looks at, at most, whatever its filters: a rare match over a large ledger is
    /// found page by page, never by one request scanning everything.
    static let auditScanBudget = 100_000

    /// The audit pages: search, an entry, its inclusion proof, a verification with progress, the export.
    func addAuditRoutes(to router: Router<ConsoleContext>) {
        router.get("/audit") { request, context in try await auditSearch(request, context: context) }
        router.get("/audit/entry/:id") { _, context in try await auditEntry(context, proof: false) }
        router.get("/audit/entry/:id/proof") { _, context in try await auditEntry(context, proof: true) }
        router.post("/audit/verify") { request, context in try await startVerify(request, context: context) }
        router.get("/audit/verify/:job") { _, context in try verifyPage(context, status: false) }
        router.get("/audit/verify/:job/status") { _, context in try verifyPage(context, status: true) }
        router.post("/audit/export") { request, context in try await export(request, context: context) }
        router.get("/static/audit-verify.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"],
                body: .init(byteBuffer: .init(string: ConsoleScripts.verifyProgress)))
        }
    }

    func auditSearch(_ request: Request, context: ConsoleContext) async throws -> Response {
        guard let session = context.session else {
            return loginPage(token: nil, context: context, status: .unauthorized)
        }
        let search = try Self.decode(AuditSearch.self, from: request.uri.query ?? "")
        var values = search.values
        do {
            let filters = try search.filters(now: backend.now)
            let position = try search.position
            let query = try backend.service.auditQuery(caller: try Self.caller(session), filters: filters)
            let reader = LedgerReader(directory: backend.core.ledgerDirectory)
            let page = try await LedgerReads.run {
                try reader.page(
                    matching: query, before: position, limit: Self.auditPageSize, budget: Self.auditScanBudget)
            }
            values["entries"] = page.entries.map(AuditEntryValues.row)
            values["hasEntries"] = !page.entries.isEmpty
            values["examined"] = page.examined
            let link = search.queryString
            values["exportQuery"] = Self.fields(of: search)
            if let next = page.next {
                values["next"] = ["href": "/audit?" + (link.isEmpty ? "" : link + "&") + "before=\(next)"]
                values["short"] = page.entries.count < Self.auditPageSize
            }
        } catch let refusal as ConsoleRefusal {
            values["problem"] = refusal.problem
            return html(pages.render("audit", title: "Audit", session: session, values), status: refusal.status)
        } catch let error as RPCError where error.code == .invalidArgument {
            values["problem"] = "Search: \(error.message)"
            return html(pages.render("audit", title: "Audit", session: session, values), status: .badRequest)
        } catch let error as RPCError {
            return refusedPage(error, session: session)
        } catch let error as AuditError {
            return refusedPage(
                RPCError(code: .unavailable, message: "cannot read the ledger: \(error)"), session: session)
        }
        return html(pages.render("audit", title: "Audit", session: session, values))
    }

    /// The search's fields as hidden inputs of the export form.
    static func fields(of search: AuditSearch) -> [[String: Any]] {
        AuditSearch.fields.compactMap { field in search.value(field.name).map { ["name": field.name, "value": $0] } }
    }

    func auditEntry(_ context: ConsoleContext, proof: Bool) async throws -> Response {
        guard let session = context.session else {
            return loginPage(token: nil, context: context, status: .unauthorized)
        }
        let id = context.parameters.get("id") ?? ""
        guard Self.isEntryID(id) else {
            return refusedPage(
                RPCError(code: .invalidArgument, message: "Not an entry id (audit-YYYYMMDD-HHMMSS-xxxxxx)."),
                session: session)
        }
        let caller = try Self.caller(session)
        do {
            let service = backend.service
            guard let entry = try await LedgerReads.run({ try service.auditEntry(caller: caller, id: id) }) else {
                return refusedPage(
                    RPCError(code: .notFound, message: "No entry \(id) in the ledger."), session: session)
            }
            var values = AuditEntryValues.detail(entry)
            if proof {
                let (made, check) = try await LedgerReads.run { try service.inclusionProof(caller: caller, id: id) }
                values["proof"] = AuditEntryValues.proof(made, check: check)
            }
            return html(pages.render("audit-entry", title: "Entry \(id)", session: session, values))
        } catch let error as RPCError {
            return refusedPage(error, session: session)
        }
    }

    /// `audit-YYYYMMDD-HHMMSS-xxxxxx` exactly: anything else (a path, an encoded slash, a very long text) is
    /// refused before the ledger is opened.
    static func isEntryID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 28, text.hasPrefix("audit-"), bytes[14] == UInt8(ascii: "-"),
            bytes[21] == UInt8(ascii: "-")
        else { return false }
        let digits = bytes[6..<14] + bytes[15..<21]
        let hex = bytes[22..<28]
        return digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            && hex.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }
}
