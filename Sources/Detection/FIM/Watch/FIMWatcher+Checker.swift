import Audit
import Capabilities
import Foundation
import Policy

#if canImport(Glibc)
import Glibc
#endif

extension FIMWatcher {
    /// The checker thread: a full check first, then every queued change; a full check again after an overflow.
    func checkUntilStopped() {
        if configuration.checkAtStart { fullCheck() }
        var retry: [ObservedChange] = []
        var dirtySince: ContinuousClock.Instant? = nil
        while !isStopping {
            let (changes, overflowed) = queue.take(timeout: retry.isEmpty ? .milliseconds(250) : .milliseconds(20))
            if !changes.isEmpty { Thread.sleep(forTimeInterval: configuration.settle.seconds) }
            if overflowed {
                count { $0.queueOverflows = queue.drops.load(ordering: .relaxed) }
                fullCheck()
            }
            let due = retry
            retry = []
            for change in due + changes {
                if let again = check(change) { retry.append(again) }
            }
            if dirtySince == nil, withWatched({ $0.dirty }) == true { dirtySince = .now }
            if let since = dirtySince, ContinuousClock.now - since >= .seconds(1) {
                persist()
                dirtySince = nil
            }
            recordSummaries()
        }
        recordSummaries(final: true)
        if withWatched({ $0.dirty }) == true { persist() }
    }

    /// Compares the whole set with the baseline (and what was accepted since); every difference is judged as an
    /// unauthorized change whose author is unknown.
    func fullCheck() {
        defer { count { $0.fullChecks += 1 } }
        let scan = FIMScanner(watchSet: watchSet, workers: configuration.workers).scan()
        count { $0.notChecked += scan.issues.count }
        guard let references = withWatched({ $0.sorted }) else { return }
        let current = Dictionary(scan.records.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for change in FIMComparison.compare(baseline: references, scan: scan) where isWatched(change.path) {
            let observed = ObservedChange(
                path: change.path, events: [], directoryMoved: false, process: nil, source: .fullCheck,
                observedAt: .now)
            // A Broker change whose events were lost in an overflow is still the Broker's.
            decide(path: change.path, current: current[change.path], observed: observed)
        }
    }

    /// Judges a difference a scan found (not the event's own path): an announced change is accepted, one still in
    /// progress is looked at again shortly, anything else is judged as anyone's.
    private func decide(path: [UInt8], current: FileRecord?, observed: ObservedChange) {
        switch authorized?.match(path: path, current: AuthorizedChanges.stat(path)) {
        case .pending?:
            var again = observed
            again.path = path
            again.directoryMoved = false
            queue.push(again)
        case .temporary?:
            return
        case .authorized(let auditID, let agent, let content, let privileged)?
        where Self.isWhatTheBrokerMakes(
            current, content: content, privileged: privileged, reference: reference(path)):
            var accepted = observed
            accepted.path = path
            accept(accepted, current: current, auditID: auditID, agent: agent)
        default:
            judge(path: path, current: current, left: nil, observed: observed)
        }
    }

    /// Re-reads one changed path (or, for a directory that appeared or went, everything beneath it); returns the
    /// change to try again shortly when it cannot be decided yet.
    func check(_ change: ObservedChange) -> ObservedChange? {
        guard isWatched(change.path),
            let found = withWatched({ set in set.watch(for: change.path).map { ($0, set.device(of: $0)) } }) ?? nil
        else { return nil }
        let (watch, device) = found
        count { $0.checked += 1 }
        let result = PathProbe.probe(change.path, watch: watch, device: device)
        var current: FileRecord? = nil
        var left: AuthorizedChanges.Left? = nil
        switch result {
        case .outside: return nil
        case .issue(let issue):
            // Written while it was read, or not readable yet: tried again for about a second (longer while the
            // Broker is still at work), then reported as a change that could not be checked — never dropped.
            if change.retries < 50 || authorized?.match(path: change.path, current: nil) == .pending {
                var again = change
                again.retries += 1
                return again
            }
            if authorized?.match(path: change.path, current: nil) == .temporary { return nil }
            notChecked(change, issue: issue)
            return nil
        case .absent: break
        case .present(let record, let state): (current, left) = (record, state)
        }
        if let match = authorized?.match(path: change.path, current: left) {
            switch match {
            case .pending:
                return change
            case .temporary:
                return nil
            case .authorized(let auditID, let agent, let content, let privileged)
            where Self.isWhatTheBrokerMakes(
                current, content: content, privileged: privileged, reference: reference(change.path)):
                accept(change, current: current, auditID: auditID, agent: agent)
                // An announced folder that went (or came) with its files: their own events may be lost (a removed
                // folder's handle no longer resolves), so what was beneath it is compared here.
                if change.directoryMoved { judgeBeneath(change, watch: watch) }
                return nil
            case .authorized:
                // The Broker's call, but not what it writes (another process raced it between its rename and the
                // state it recorded): judged as anyone's change.
                break
            case .changedSince:
                break
            }
        }
        judge(path: change.path, current: current, left: left, observed: change)
        if change.directoryMoved { judgeBeneath(change, watch: watch) }
        return nil
    }

    /// Hands an observation that is not recorded to the events window.
    func publish(_ finding: FileFinding) {
        guard let draft = finding.observation else { return }
        observe(HostEvent(kind: .files, time: clock.now(), draft: draft))
    }

    /// What an announced change can leave: the content it announced, and never a file that gained setuid, setgid
    /// or file capabilities (a Broker write drops them; mkdir and delete make none) unless the announcement said so
    /// (a package file its confirmed report listed as setuid).
    static func isWhatTheBrokerMakes(
        _ current: FileRecord?, content: [UInt8]?, privileged: Bool = false, reference: FileRecord?
    ) -> Bool {
        if !privileged, let current, FileFindings.gainsPrivilege(reference: reference, current: current) {
            return false
        }
        guard let content else { return true }
        // A write leaves a regular file; its digest is compared when the watch's rules hash it.
        guard let current, current.kind == .regular else { return false }
        return current.digest == nil || current.digest == content
    }

    func reference(_ path: [UInt8]) -> FileRecord? { withWatched { $0.records[path] } ?? nil }

    /// A changed path that could not be read as a check reads it: an unauthorized change whose new state is
    /// unknown (the reason is the evidence).
    private func notChecked(_ change: ObservedChange, issue: ScanIssue) {
        count { $0.notChecked += 1 }
        let difference = FileChange.Difference(attribute: "not_checked", old: "", new: issue.detail)
        let finding = FileFinding(
            path: change.path,
            change: FileChange(kind: .changed, path: change.path, differences: [difference], hardLinkOf: nil),
            classification: .unauthorized,
            alert: FileFindings.alert(
                reference: nil, current: nil, path: change.path, privileged: configuration.privilegedPaths),
            process: change.process, source: change.source, events: change.events)
        count { $0.unauthorized += 1 }
        do {
            try record(finding.ledgerDrafts)
        } catch {
            count { $0.recordFailures += 1 }
        }
    }

    /// A directory that appeared or went: everything beneath it, compared as a full check would.
    private func judgeBeneath(_ change: ObservedChange, watch: FileWatch) {
        var subtree = watch
        subtree.path = String(decoding: change.path, as: UTF8.self)
        guard subtree.path.utf8.elementsEqual(change.path) else { return }
        subtree.exclude = watch.exclude.filter { FIMPath.isWithin(Array($0.utf8), change.path) }
        let scan = FIMScanner(watchSet: FileWatchPolicy(entries: [subtree]), workers: 1).scan()
        guard let references = withWatched({ $0.records(beneath: change.path) }) else { return }
        let current = Dictionary(scan.records.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for difference in FIMComparison.compare(baseline: FIMScanner.sorted(references), scan: scan)
        where difference.path != change.path {
            // A folder a package install made or its removal took away: its files were announced one by one.
            decide(path: difference.path, current: current[difference.path], observed: change)
        }
    }

    /// The Broker's change: the reference becomes what it left (signed into the baseline within a second).
    private func accept(_ change: ObservedChange, current: FileRecord?, auditID: String, agent: String) {
        let reference = withWatched { set -> FileRecord? in
            defer { set.accept(current, at: change.path) }
            return set.records[change.path]
        }
        count { $0.authorized += 1 }
        let finding = FileFinding(
            path: change.path, change: Self.change(reference ?? nil, current, path: change.path),
            classification: .authorized(auditID: auditID, agent: agent), alert: nil, process: change.process,
            source: change.source, events: change.events)
        publish(finding)
    }

    /// Compares `current` with the reference and records or publishes what it finds.
    func judge(path: [UInt8], current: FileRecord?, left: AuthorizedChanges.Left?, observed: ObservedChange) {
        guard isWatched(path), let found = withWatched({ set in (set.records[path], set.reported[path]) }) else {
            return
        }
        let (reference, reported) = found
        let change = Self.change(reference, current, path: path)
        var classification = FileFinding.Classification.unauthorized
        if change == nil {
            classification = .noDifference
            _ = withWatched { $0.reported[path] = nil }
        } else if let reported, Self.change(reported, current, path: path) == nil {
            classification = .alreadyReported
        }
        let alert =
            classification == .unauthorized
            ? FileFindings.alert(
                reference: reference, current: current, path: path, privileged: configuration.privilegedPaths) : nil
        let finding = FileFinding(
            path: path, change: change, classification: classification, alert: alert, process: observed.process,
            source: observed.source, events: observed.events)
        guard classification == .unauthorized else {
            publish(finding)
            return
        }
        let forgot = withWatched { set -> Bool in
            let full = set.reported.count >= Self.maximumReported
            if full { set.reported.removeAll() }
            set.reported[path] = .some(current)
            return full
        }
        if forgot == true { count { $0.reportedResets += 1 } }
        let rule = alert?.rawValue ?? FileFinding.Alert.unauthorizedChange.rawValue
        let admitted = admit(rule: rule, subject: EscapedPath.text(path))
        guard admitted else {
            count { $0.aggregated += 1 }
            for draft in finding.ledgerDrafts {
                observe(
                    HostEvent(
                        kind: draft.eventType == .securityAlert ? .alerts : .files, time: clock.now(), draft: draft))
            }
            return
        }
        count { $0.unauthorized += 1 }
        recordOrCount(finding.ledgerDrafts)
    }

    /// Whether an unauthorized finding of `rule` is recorded one by one (else counted into the minute's summary).
    private func admit(rule: String, subject: String) -> Bool {
        let now = clock.now()
        return withShared {
            $0.alerts.admit(key: rule, rule: rule, subject: subject, acted: false, failed: false, now: now)
        }
    }

    /// The summaries of the minutes that ended (all of them when `final`), into the ledger.
    func recordSummaries(final: Bool = false) {
        let now: Timestamp? = final ? nil : clock.now()
        let summaries = withShared { $0.alerts.close(now: now) }
        if !summaries.isEmpty { recordOrCount(summaries) }
    }

    private func recordOrCount(_ drafts: [AuditDraft]) {
        do {
            try record(drafts)
        } catch {
            count { $0.recordFailures += 1 }
        }
    }

    /// The difference between a reference (nil: absent) and the current record (nil: absent).
    static func change(_ reference: FileRecord?, _ current: FileRecord?, path: [UInt8]) -> FileChange? {
        switch (reference, current) {
        case (nil, nil): return nil
        case (nil, let current?):
            return FileChange(kind: .added, path: path, differences: Self.described(current), hardLinkOf: nil)
        case (let reference?, nil):
            return FileChange(kind: .removed, path: path, differences: Self.described(reference), hardLinkOf: nil)
        case (let reference?, let current?):
            let differences = FIMComparison.compare(reference, current)
            return differences.isEmpty
                ? nil : FileChange(kind: .changed, path: path, differences: differences, hardLinkOf: nil)
        }
    }

    /// A new or removed entry's attributes, as evidence (old `none` for a new one).
    private static func described(_ record: FileRecord) -> [FileChange.Difference] {
        let octal = String(record.mode, radix: 8)
        var items: [(String, String)] = [
            ("type", record.kind.name), ("mode", String(repeating: "0", count: max(0, 4 - octal.count)) + octal),
            ("owner", "\(record.uid):\(record.gid)"), ("size", "\(record.size)"),
        ]
        if let digest = record.digest { items.append(("content", FIMComparison.hex(digest))) }
        if let capabilities = record.capabilities { items.append(("caps", FIMComparison.hex(capabilities))) }
        if let target = record.target { items.append(("target", EscapedPath.text(target))) }
        return items.map { FileChange.Difference(attribute: $0.0, old: "none", new: $0.1) }
    }

    /// Signs the baseline with the Broker's accepted changes in it.
    private func persist() {
        guard
            let records = withWatched({ set -> [FileRecord] in
                set.dirty = false
                return set.sorted
            })
        else { return }
        let baseline = FIMBaseline(
            watchSet: watchSet, created: Int64(Date().timeIntervalSince1970 * 1000), records: records)
        do {
            try BaselineStore.write(baseline, to: baselinePath, key: key)
        } catch {
            count { $0.recordFailures += 1 }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
