import Audit
import Capabilities

/// The kernel's loaded modules as `/proc/modules` lists them (`NAME SIZE REFS DEPS STATE ADDRESS`), compared between
/// two readings: what appeared and what went. A module loaded and removed between two readings is not seen here
/// (the proc connector does not report modules); `kernel.modules_disabled` is what prevents it.
public struct ModuleList: Equatable, Sendable {
    /// Module name → size in bytes.
    public let modules: [String: Int]

    public init(modules: [String: Int]) { self.modules = modules }

    /// Parses the file's text; malformed lines are skipped. Names are escaped like argv (the kernel's own names
    /// are plain, but a forged file in a test or a container need not be).
    public init(text: some Collection<UInt8>) {
        var modules: [String: Int] = [:]
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
            guard fields.count >= 2, let size = Int(String(decoding: fields[1], as: UTF8.self)) else { continue }
            modules[BoundedArgv.escape(fields[0].prefix(64))] = size
        }
        self.modules = modules
    }

    /// The modules in `newer` that are not here, and those here that are not in `newer`, each sorted.
    public func changes(to newer: ModuleList) -> (loaded: [String], unloaded: [String]) {
        (
            newer.modules.keys.filter { modules[$0] == nil }.sorted(),
            modules.keys.filter { newer.modules[$0] == nil }.sorted()
        )
    }
}

/// Polls `/proc/modules` and turns each difference into an alert, stamped with the window it happened in.
public struct ModuleWatch: Sendable {
    public let path: String
    private var last: ModuleList?
    private var lastRead: Timestamp?

    /// `path`: `/proc/modules` (absent when the kernel has no module support: then nothing can be loaded, and
    /// ``available`` is false).
    public init(path: String = "/proc/modules") { self.path = path }

    public var available: Bool { last != nil }

    /// Reads the file: the first reading is the baseline; later ones report what changed since the previous.
    public mutating func poll(now: Timestamp) -> [HostAlert] {
        guard let bytes = ProcFileSystem.read(path, limit: 1 << 20) else { return [] }
        let current = ModuleList(text: bytes)
        defer {
            last = current
            lastRead = now
        }
        guard let last, let lastRead else { return [] }
        let (loaded, unloaded) = last.changes(to: current)
        let window: [(key: String, value: JSONValue)] = [
            ("after", .string(lastRead.rfc3339)), ("before", .string(now.rfc3339)),
        ]
        return loaded.map { name in
            HostAlert(
                rule: .moduleLoaded, time: now, subject: name,
                summary: "kernel module \(name) was loaded between \(lastRead.rfc3339) and \(now.rfc3339)",
                evidence: [("module", .string(name)), ("size", .integer(Int64(current.modules[name] ?? 0)))] + window)
        }
            + unloaded.map { name in
                HostAlert(
                    rule: .moduleUnloaded, time: now, subject: name,
                    summary: "kernel module \(name) was removed between \(lastRead.rfc3339) and \(now.rfc3339)",
                    evidence: [("module", .string(name))] + window)
            }
    }
}
