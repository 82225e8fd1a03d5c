import ArgumentParser
import Detection
import Foundation
import Policy

struct FIMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fim",
        abstract: "File integrity: a signed baseline of the policy's ids.files watch set, and checks against it.",
        discussion: """
            Exit codes: 0 no change found (or the baseline was written), 1 changes found or files that could not \
            be checked, 64 usage error, 65 the baseline is refused (edited, replaced, an older copy) or the \
            policy is invalid, 69 no baseline or no key in the keyring vault, 77 permission denied, 70 internal \
            error. fim watch runs until SIGINT or SIGTERM.
            """,
        subcommands: [FIMInitCommand.self, FIMCheckCommand.self, FIMUpdateCommand.self, FIMWatchCommand.self]
    )
}

/// What every `fim` command shares: where the baseline is, the vault with its key, the workers, the output.
struct FIMOptions: ParsableArguments {
    @OptionGroup var state: StateOptions
    @OptionGroup var vault: VaultOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "The baseline file (default: STATE/fim/baseline.db).")
    var baseline: String?

    @Option(help: "Files hashed at once (default: one per online core).")
    var workers = FIMScanner.defaultWorkers

    @Flag(help: "No progress bar, even on a terminal.")
    var quiet = false

    var baselinePath: String { baseline ?? state.resolved + "/fim/baseline.db" }

    func checker(progress: ScanProgress) throws -> FIMCheck {
        FIMCheck(
            baselinePath: baselinePath, key: BaselineKey(vault: try vault.open()), workers: max(1, workers),
            progress: progress)
    }

    /// Runs `body` with a progress bar on standard error while it runs, when standard error is a terminal.
    func withProgress<T>(_ body: (ScanProgress) throws -> T) throws -> T {
        let progress = ScanProgress()
        let bar = !quiet && isatty(STDERR_FILENO) == 1 ? ProgressBar(progress: progress) : nil
        bar?.start()
        defer { bar?.stop() }
        return try body(progress)
    }
}

/// `--watch PATH`: watch these paths (with the `full` rules) instead of the policy's ids.files.
struct WatchSetOptions: ParsableArguments {
    @OptionGroup var policy: PolicyOptions

    @Option(name: .customLong("watch"), help: "Watch this path instead of the policy's ids.files (repeatable).")
    var paths: [String] = []

    func watchSet() throws -> FileWatchPolicy {
        guard !paths.isEmpty else { return try policy.load().ids.files }
        return FileWatchPolicy(
            entries: paths.map { path in
                let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
                return FileWatch(path: trimmed, rules: .full)
            })
    }

    func validate() throws {
        for path in paths where !path.hasPrefix("/") || path.contains("/../") || path.hasSuffix("/..") {
            throw ValidationError("--watch \(path): an absolute path without '..'")
        }
    }
}

struct FIMInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Scan the watch set and record it as the signed baseline.")

    @OptionGroup var options: FIMOptions
    @OptionGroup var watch: WatchSetOptions
    @Flag(help: "Replace an existing baseline (without comparing with it).") var force = false

    func run() throws {
        let watchSet = try watch.watchSet()
        let started = ContinuousClock.now
        let scan = try FIMReporter.run("fim init") {
            try options.withProgress { progress in
                try options.checker(progress: progress).initialize(
                    watchSet: watchSet, force: force, now: FIMReporter.now)
            }
        }
        var report = FIMReporter(json: options.output.json)
        for issue in scan.issues { report.issue(issue) }
        report.summary("baseline", scan: scan, changes: [], seconds: FIMReporter.seconds(since: started))
        report.finish()
    }
}

struct FIMCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify the baseline's signature, scan its watch set and report every difference.")

    @OptionGroup var options: FIMOptions

    func run() throws {
        let started = ContinuousClock.now
        let result = try FIMReporter.run("fim check") {
            try options.withProgress { progress in try options.checker(progress: progress).check() }
        }
        var report = FIMReporter(json: options.output.json)
        report.result(result, verb: "check", seconds: FIMReporter.seconds(since: started))
        if !result.isClean { throw ExitStatus.denied }
    }
}

struct FIMUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Verify the baseline, scan the watch set, print the differences and accept them as the new baseline.")

    @OptionGroup var options: FIMOptions
    @OptionGroup var watch: WatchSetOptions

    func run() throws {
        let watchSet = try watch.watchSet()
        let started = ContinuousClock.now
        let result = try FIMReporter.run("fim update") {
            try options.withProgress { progress in
                try options.checker(progress: progress).update(watchSet: watchSet, now: FIMReporter.now)
            }
        }
        var report = FIMReporter(json: options.output.json)
        report.result(result, verb: "update (accepted)", seconds: FIMReporter.seconds(since: started))
    }
}
