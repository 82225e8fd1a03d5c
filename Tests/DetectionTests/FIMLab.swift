import Foundation
import Policy
import Secrets

@testable import Detection

/// A temporary watched tree, a private vault with the baseline key, and a baseline path: one per test.
final class FIMLab {
    let root: String
    let vault: KeyringVault
    let baselinePath: String
    var watch: FileWatch

    init(rules: FileRules = .full, maxHashSize: Int64 = FileWatch.defaultMaxHashSize) throws {
        let base = NSTemporaryDirectory() + "aios-fim-\(UUID().uuidString.prefix(8))"
        root = base + "/tree"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        baselinePath = base + "/state/fim/baseline.db"
        vault = try KeyringVault.openOrCreate(name: "aios:vault:test-fim-\(UUID().uuidString)")
        watch = FileWatch(path: root, rules: rules, maxHashSize: maxHashSize)
    }

    deinit {
        try? vault.destroy()
        try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent)
    }

    var watchSet: FileWatchPolicy { FileWatchPolicy(entries: [watch]) }
    var checker: FIMCheck { FIMCheck(baselinePath: baselinePath, key: BaselineKey(vault: vault), workers: 2) }

    func path(_ name: String) -> String { root + "/" + name }

    /// Writes in place (the same inode when the file exists), as an editor without a backup does.
    func write(_ name: String, _ text: String) throws {
        let descriptor = open(path(name), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
    }

    @discardableResult
    func initialize() throws -> FIMScan { try checker.initialize(watchSet: watchSet, force: false, now: 1) }

    func check() throws -> FIMCheck.Result { try checker.check() }

    /// The change reported at `name` (beneath the root).
    func change(_ result: FIMCheck.Result, _ name: String) -> FileChange? {
        result.changes.first { $0.path == Array(path(name).utf8) }
    }

    func attributes(_ change: FileChange?) -> [String] { change?.differences.map(\.attribute) ?? [] }
}
