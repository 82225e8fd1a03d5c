import ArgumentParser
import Audit
import Capabilities
import Foundation

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify, query, prove and append to the audit ledger.",
        subcommands: [
            AuditVerifyCommand.self, AuditQueryCommand.self, AuditTailCommand.self, AuditAppendCommand.self,
            AuditProveCommand.self, AuditVerifyProofCommand.self, AuditArchiveCommand.self,
        ]
    )
}

/// `--ledger DIR` (default STATE/audit) and `--state-dir`.
struct LedgerOptions: ParsableArguments {
    @OptionGroup var state: StateOptions

    @Option(name: .customLong("ledger"), help: "Ledger directory (default: STATE/audit).")
    var directory: String?

    var resolved: String { directory ?? state.resolved + "/audit" }
}

/// `--checkpoints FILE` and `--pubkey FILE`: what a verifier trusts.
struct TrustOptions: ParsableArguments {
    @Option(help: "Checkpoint log (default: LEDGER/checkpoints.log).")
    var checkpoints: String?

    @Option(help: "The pinned checkpoint verifier key (default: LEDGER/checkpoint.pub — pin an off-machine copy).")
    var pubkey: String?

    /// The verifier key. Without `--pubkey` it is the key file beside the ledger, which whoever can rewrite the
    /// ledger can replace too: every run says so on standard error.
    func verifier(ledger: String) throws -> CheckpointVerifier {
        let path = pubkey ?? ledger + "/" + AuditKeys.publicKeyFile
        if pubkey == nil {
            printError(
                "audit: trusting the key file beside the ledger (\(path)); whoever can rewrite the ledger can "
                    + "replace it too — pin an off-machine copy with --pubkey")
        }
        return try auditCall { () throws(AuditError) in try AuditKeys.verifier(from: path) }
    }
}

/// Runs an audit operation, mapping its error to a message and an exit code in one place.
func auditCall<T>(_ body: () throws(AuditError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("audit: \(error)")
        if error.isTampering || error.isNotFound { throw ExitStatus.denied }
        if error.isInput { throw ExitStatus.dataError }
        throw ExitStatus.unavailable
    }
}

struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every day file, the chain, the Merkle tree and every signed checkpoint.",
        discussion: "Exit 0 when intact, 1 when anything was changed, removed, reordered or replayed."
    )

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var trust: TrustOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        struct Day: Encodable {
            let day: String
            let entries: Int
            let checkpoints: Int
            let uncovered: Int
            let follows: String?
            let linkSigned: Bool
        }
        let intact: Bool
        let entries: Int
        let checkpoints: Int
        let days: [Day]
        let failure: String?
    }

    func run() throws {
        let directory = ledger.resolved
        let verifier = try trust.verifier(ledger: directory)
        let report = LedgerVerifier(directory: directory, checkpointLog: trust.checkpoints, verifier: verifier).verify()
        let days = report.days.map {
            Report.Day(
                day: $0.day, entries: $0.entries, checkpoints: $0.checkpoints, uncovered: $0.uncovered,
                follows: $0.follows, linkSigned: $0.linkSigned)
        }
        if output.json {
            try printJSON(
                Report(
                    intact: report.intact, entries: report.entries, checkpoints: report.checkpoints, days: days,
                    failure: report.failure?.description))
        } else if let failure = report.failure {
            print("TAMPERED: \(failure)")
        } else {
            print(
                "intact: \(report.entries) entries in \(report.days.count) day file(s), \(report.checkpoints) signed checkpoints"
            )
            for day in report.days where day.uncovered > 0 {
                print("  \(day.day): the last \(day.uncovered) entries are not yet covered by a checkpoint")
            }
            for day in report.days where !day.linkSigned && day.checkpoints > 0 {
                print(
                    "  \(day.day): written before checkpoints signed the link between days; its place after "
                        + "\(day.follows ?? "the start") rests on unsigned metadata")
            }
        }
        if !report.intact { throw ExitStatus.denied }
    }
}

struct AuditQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print matching entries, oldest first (--json: one entry per line in the spec's format).",
        discussion: "Times: RFC 3339 UTC, YYYY-MM-DD, or a duration back from now such as 15m or 1h30m."
    )

    @OptionGroup var ledger: LedgerOptions
    @Option var since: String?
    @Option var until: String?
    @Option var agent: String?
    @Option var type: String?
    @Option var action: String?
    @Option(name: .customLong("target-prefix")) var targetPrefix: String?
    @Option var result: String?
    @Option var risk: String?
    @Option var limit: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let pairs: [(String, String?)] = [
            ("since", since), ("until", until), ("agent", agent), ("type", type), ("action", action),
            ("target-prefix", targetPrefix), ("result", result), ("risk", risk), ("limit", limit),
        ]
        let filters = pairs.compactMap { name, value in value.map { (name: name, value: $0) } }
        let json = output.json
        try auditCall { () throws(AuditError) in
            let query = try AuditQuery(filters: filters, now: SystemClock().now())
            try LedgerReader(directory: ledger.resolved).entries(matching: query) { entry in
                print(json ? entry.json : entry.line)
                return true
            }
        }
    }
}

extension StoredEntry {
    /// One line for people: time, agent, what, on what, how it ended.
    var line: String {
        "\(timestamp.rfc3339)  \(agent)  \(eventType) \(action) \(target)  \(result) (\(riskLevel))  \(id)"
    }
}

struct AuditTailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print the newest entries; with -f, keep printing new ones.")

    @OptionGroup var ledger: LedgerOptions
    @Option(name: .short, help: "How many entries.") var count = 10
    @Flag(name: .short, help: "Follow: print entries as they are appended.") var follow = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        let reader = LedgerReader(directory: ledger.resolved)
        var last: (day: String, seq: Int)? = nil
        for entry in try auditCall({ () throws(AuditError) in try reader.newest(count) }) {
            print(output.json ? entry.json : entry.line)
            last = (entry.day, entry.seq)
        }
        while follow {
            fflush(nil)
            usleep(250_000)
            for entry in try auditCall({ () throws(AuditError) in try reader.entries(after: last) }) {
                print(output.json ? entry.json : entry.line)
                last = (entry.day, entry.seq)
            }
        }
    }
}

struct AuditAppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append entries read from stdin as JSON lines (the spec's format without id and timestamp).",
        discussion: """
            Prints each assigned id. A malformed line stops the import with its line number (exit 65); every line
            before it is committed, nothing after it is written.
            """
    )

    @OptionGroup var ledger: LedgerOptions

    func run() throws {
        let directory = ledger.resolved
        let ledger = try auditCall { () throws(AuditError) in
            try Ledger(directory: directory, signer: try AuditKeys.loadOrCreate(in: directory))
        }
        defer { ledger.close() }
        var drafts: [AuditDraft] = []
        var lineNumber = 0
        var failure: String? = nil
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            do {
                drafts.append(try AuditDraft.decode(try JSONParser.parse(line)))
            } catch {
                failure = "stdin:\(lineNumber): \(error)"
                break
            }
            if drafts.count == 1000 { try commit(&drafts, to: ledger) }
        }
        try commit(&drafts, to: ledger)
        if let failure {
            printError("audit append: \(failure) (the lines before it were appended)")
            throw ExitStatus.dataError
        }
    }

    private func commit(_ drafts: inout [AuditDraft], to ledger: Ledger) throws {
        guard !drafts.isEmpty else { return }
        let (entries, error) = ledger.append(contentsOf: drafts)
        for entry in entries { print(entry.id) }
        drafts.removeAll()
        if let error { _ = try auditCall { () throws(AuditError) in throw error } }
    }
}

struct AuditProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print an inclusion proof for one entry against the newest checkpoint that covers it.")

    @Argument(help: "Entry id (audit-YYYYMMDD-HHMMSS-xxxxxx).") var id: String
    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var trust: TrustOptions

    func run() throws {
        let directory = ledger.resolved
        let verifier = try trust.verifier(ledger: directory)
        let proof = try auditCall { () throws(AuditError) in
            try LedgerReader(directory: directory).prove(id: id, checkpointLog: trust.checkpoints, verifier: verifier)
        }
        print(proof.json.canonicalText)
    }
}

struct AuditVerifyProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: "Check an inclusion proof offline with the pinned key. Exit 0 valid, 1 not.")

    @Argument(help: "Proof file, or - for stdin.") var file = "-"
    @Option(help: "The pinned checkpoint verifier key.") var pubkey: String

    func run() throws {
        let data =
            file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
        guard let data else {
            printError("cannot read \(file)")
            throw ExitStatus.dataError
        }
        try auditCall { () throws(AuditError) in
            let verifier = try AuditKeys.verifier(from: pubkey)
            let json: JSONValue
            do {
                json = try JSONParser.parse(bytes: Array(data))
            } catch {
                throw AuditError.input("\(file):\(error)")
            }
            let checkpoint = try InclusionProof(json: json).verify(with: verifier).get()
            print("valid: entry is leaf of \(checkpoint.origin) at tree size \(checkpoint.size)")
        }
    }
}

struct AuditArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract:
            "Move a past month's day files into archive/YYYY-MM with a signed manifest (they still verify and query).")

    @Option(help: "The month, YYYY-MM.") var month: String
    @OptionGroup var ledger: LedgerOptions

    func run() throws {
        let directory = ledger.resolved
        let count = try auditCall { () throws(AuditError) in
            let signer = try AuditKeys.loadOrCreate(in: directory)
            let notes = try CheckpointLogReader.notes(in: directory)
            return try LedgerArchive(directory: directory, signer: signer).archive(month: month, notes: notes)
        }
        print("archived \(count) day(s) of \(month) into \(directory)/archive/\(month)")
    }
}
