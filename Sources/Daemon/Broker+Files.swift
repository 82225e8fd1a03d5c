import Capabilities
import Foundation
import Glibc
import Sandbox

/// The file tools. Each runs on a confined thread (``BrokerConfinement``): the protected paths hidden, Landlock
/// allowing only what both the tool needs and the allowing capability grants, beneath the directory that capability
/// names. Only regular files and directories are served; nothing opens blocking.
extension Broker {
    enum FileTool: String, CaseIterable, Sendable {
        case read = "fs.read"
        case list = "fs.list"
        case write = "fs.write"
        case mkdir = "fs.mkdir"
        case delete = "fs.delete"

        /// The `fs:` action of the capability that serves this tool (`fs:*` serves all).
        var action: String {
            switch self {
            case .read, .list: "read"
            case .write: "write"
            case .mkdir: "mkdir"
            case .delete: "delete"
            }
        }

        /// Whether the tool changes the file system (announced to the file integrity watch).
        var changes: Bool { self == .write || self == .mkdir || self == .delete }

        /// The kernel rights the tool uses (writing reads the previous content to back it up).
        var needs: LandlockAccess {
            switch self {
            case .read: [.readFile]
            case .list: [.readDirectory]
            case .write: [.readFile, .writeFile, .makeRegular, .removeFile, .truncate]
            case .mkdir: [.makeDirectory]
            case .delete: [.removeFile, .removeDirectory]
            }
        }
    }

    /// The backup store's rights: create, write and rename its own files.
    static let backupRights: LandlockAccess = [.makeRegular, .writeFile, .removeFile, .truncate]

    func file(_ tool: FileTool, path: String, content: [UInt8], allowedBy capability: Capability) async
        -> BrokerResult
    {
        guard capability.namespace == "fs", capability.action == nil || capability.action == tool.action,
            let granted = LandlockAccess.granted(by: capability)
        else {
            return .failure(.permissionDenied, "'\(capability)' does not allow \(tool.rawValue)")
        }
        let beneath: BeneathPath
        var store: Int32? = nil
        do throws(BrokerResult.Failure) {
            beneath = try BeneathPath(path: path, allowedBy: capability)
            if tool == .write { store = try backups.open() }
        } catch {
            return BrokerResult(outcome: .failure(error), details: [:], eventType: .toolCall)
        }
        defer { if let store { close(store) } }
        let rights = granted.intersection(tool.needs)
        let heldStore = store
        let outcome = await confinement.run { () throws(BrokerResult.Failure) -> BrokerResult in
            let root = try beneath.openRoot()
            defer { close(root) }
            var rules = [BrokerConfinement.Rule(descriptor: root, access: rights)]
            if let heldStore { rules.append(.init(descriptor: heldStore, access: Self.backupRights)) }
            try BrokerConfinement.restrict(rules)
            switch tool {
            case .read: return try FileOperations.read(beneath, in: root)
            case .list: return try FileOperations.list(beneath, in: root)
            case .write: return try FileOperations.write(beneath, content, in: root, backups: heldStore!)
            case .mkdir: return try FileOperations.mkdir(beneath, in: root)
            case .delete: return try FileOperations.delete(beneath, in: root)
            }
        }
        switch outcome {
        case .success(let result): return result
        case .failure(let failure): return BrokerResult(outcome: .failure(failure), details: [:], eventType: .toolCall)
        }
    }
}
