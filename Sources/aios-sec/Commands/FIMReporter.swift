import ArgumentParser
import Audit
import Detection
import Foundation

/// `fim` output: one line per difference and per file that could not be checked, then a summary line (text), or
/// one JSON object per line with `event` = `changed`, `added`, `removed`, `issue`, then `summary`. Paths are
/// printed escaped (see ``EscapedPath``): a name with a newline cannot forge a line.
struct FIMReporter {
    let json: Bool
    private var out = BufferedOutput()

    init(json: Bool) {
        self.json = json
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func seconds(since start: ContinuousClock.Instant) -> Double { (ContinuousClock.now - start) / .seconds(1) }

    /// Runs `body`, turning a refusal into its message on stderr and the documented exit status.
    static func run<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DetectionError {
            printError("\(what): \(error)")
            if error.isPermissionDenied { throw ExitStatus.noPermission }
            throw error.isUnavailable
                ? ExitStatus.unavailable : error.errno == nil ? ExitStatus.dataError : ExitStatus.software
        }
    }

    mutating func result(_ result: FIMCheck.Result, verb: String, seconds: Double) {
        for change in result.changes { self.change(change) }
        for issue in result.scan.issues { self.issue(issue) }
        summary(verb, scan: result.scan, changes: result.changes, seconds: seconds)
        finish()
    }

    mutating func change(_ change: FileChange) {
        let path = EscapedPath.text(change.path)
        if json {
            var members: [(key: String, value: JSONValue)] = [
                ("event", .string(change.kind.rawValue)), ("path", .string(path)),
            ]
            if !change.differences.isEmpty {
                members.append(
                    (
                        "differences",
                        .array(
                            change.differences.map {
                                .object([
                                    ("attribute", .string($0.attribute)), ("old", .string($0.old)),
                                    ("new", .string($0.new)),
                                ])
                            })
                    ))
            }
            if let link = change.hardLinkOf { members.append(("hard_link_of", .string(EscapedPath.text(link)))) }
            out.write(JSONValue.object(members).canonicalText + "\n")
            return
        }
        var line = "\(change.kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(path)"
        if !change.differences.isEmpty {
            line +=
                "  "
                + change.differences.map { difference in
                    ["content", "xattrs", "caps"].contains(difference.attribute)
                        ? difference.attribute : "\(difference.attribute) \(difference.old) → \(difference.new)"
                }.joined(separator: ", ")
        }
        if let link = change.hardLinkOf { line += "  (a hard link of \(EscapedPath.text(link)))" }
        out.write(line + "\n")
    }

    mutating func issue(_ issue: ScanIssue) {
        let path = EscapedPath.text(issue.path)
        if json {
            out.write(
                JSONValue.object([
                    ("event", .string("issue")), ("kind", .string(issue.kind.rawValue)), ("path", .string(path)),
                    ("detail", .string(issue.detail)),
                ]).canonicalText + "\n")
        } else {
            out.write("not checked \(path): \(issue.detail)\n")
        }
    }

    mutating func summary(_ verb: String, scan: FIMScan, changes: [FileChange], seconds: Double) {
        let regular = scan.records.filter { $0.kind == .regular }
        let bytes = regular.reduce(Int64(0)) { $0 + ($1.digest == nil ? 0 : $1.size) }
        let count = { (kind: FileChange.Kind) in changes.filter { $0.kind == kind }.count }
        if json {
            out.write(
                JSONValue.object([
                    ("event", .string("summary")), ("entries", .integer(Int64(scan.records.count))),
                    ("files", .integer(Int64(regular.count))), ("bytes_hashed", .integer(bytes)),
                    ("changed", .integer(Int64(count(.changed)))), ("added", .integer(Int64(count(.added)))),
                    ("removed", .integer(Int64(count(.removed)))), ("not_checked", .integer(Int64(scan.issues.count))),
                    ("seconds", .number((seconds * 1000).rounded() / 1000)),
                ]).canonicalText + "\n")
            return
        }
        out.write(
            "fim \(verb): \(scan.records.count) entries, \(regular.count) files, "
                + String(format: "%.1f MB hashed in %.2f s", Double(bytes) / 1e6, seconds)
                + "; changed=\(count(.changed)) added=\(count(.added)) removed=\(count(.removed)) "
                + "not_checked=\(scan.issues.count)\n")
    }

    mutating func finish() { out.flush() }
}

/// A one-line progress bar on standard error, redrawn ten times a second from its own thread.
final class ProgressBar: @unchecked Sendable {
    private let progress: ScanProgress
    private let done = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(progress: ScanProgress) {
        self.progress = progress
    }

    func start() {
        Thread.detachNewThread { [self] in
            while done.wait(timeout: .now() + .milliseconds(100)) == .timedOut { draw() }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            finished.signal()
        }
    }

    func stop() {
        done.signal()
        finished.wait()
    }

    private func draw() {
        guard progress.listed.load(ordering: .acquiring) else {
            FileHandle.standardError.write(Data("\rlisting…".utf8))
            return
        }
        let total = max(1, progress.bytesTotal.load(ordering: .relaxed))
        let bytes = progress.bytesDone.load(ordering: .relaxed)
        let fraction = min(1, Double(bytes) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let files = "\(progress.filesDone.load(ordering: .relaxed))/\(progress.filesTotal.load(ordering: .relaxed))"
        let percent = String(format: "%3.0f%%", fraction * 100)
        let megabytes = String(format: "%.0f MB", Double(bytes) / 1e6)
        FileHandle.standardError.write(Data("\r[\(bar)] \(percent)  \(files) files  \(megabytes)".utf8))
    }
}
