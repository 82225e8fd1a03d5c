import Audit
import Capabilities
import Foundation
import GRPCCore
import Glibc

/// Runs the built-in tools on an agent's behalf, confined to the capability that allowed the call: every path is
/// opened beneath the directory that capability names (``BeneathPath``), processes start only from an allow-list,
/// by name, with arguments as a list and no shell.
public struct Broker: Sendable {
    /// Executables `process.spawn` may start: name → absolute path.
    public let executables: [String: String]
    public static let maximumRead = 16 << 20

    public init(executables: [String: String] = [:]) { self.executables = executables }

    public func run(tool: String, arguments: [String: String], allowedBy capability: Capability) async -> BrokerResult {
        do {
            switch tool {
            case "fs.read": return try read(arguments["path"] ?? "", capability)
            case "fs.list": return try list(arguments["path"] ?? "", capability)
            case "fs.write":
                return try write(arguments["path"] ?? "", Array((arguments["content"] ?? "").utf8), capability)
            case "fs.mkdir": return try mkdir(arguments["path"] ?? "", capability)
            case "fs.delete": return try delete(arguments["path"] ?? "", capability)
            case "process.list": return try processList()
            case "process.spawn": return await spawn(arguments["name"] ?? "", arguments["args"])
            case "process.kill": return try kill(arguments["name"] ?? "", arguments["pid"])
            default:
                return .failure(.unimplemented, "the Broker does not run '\(tool)'; ask Authorize for a decision")
            }
        } catch {
            return BrokerResult(outcome: .failure(error), details: [:], eventType: .toolCall)
        }
    }

    // MARK: Files

    func read(_ path: String, _ capability: Capability) throws(BrokerResult.Failure) -> BrokerResult {
        let beneath = try BeneathPath(path: path, allowedBy: capability)
        let descriptor = try beneath.open(O_RDONLY)
        defer { close(descriptor) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { throw BeneathPath.failure("read \(path)") }
            if count == 0 { break }
            output += buffer.prefix(count)
            guard output.count <= Self.maximumRead else {
                throw BrokerResult.Failure(code: .resourceExhausted, message: "\(path) is larger than 16 MiB")
            }
        }
        return .success(output, ["bytes_read": .int(output.count)])
    }

    func list(_ path: String, _ capability: Capability) throws(BrokerResult.Failure) -> BrokerResult {
        let beneath = try BeneathPath(path: path, allowedBy: capability)
        let descriptor = try beneath.open(O_RDONLY | O_DIRECTORY)
        guard let directory = fdopendir(descriptor) else {
            close(descriptor)
            throw BeneathPath.failure("list \(path)")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(entry.pointee.d_type == DT_DIR ? name + "/" : name) }
        }
        names.sort()
        return .success(
            Array(names.joined(separator: "\n").utf8) + (names.isEmpty ? [] : [10]), ["entries": .int(names.count)])
    }

    /// Atomic replace: a temporary file beside the target, fsync, rename over it, fsync the directory. The
    /// previous content, if any, is kept as `NAME.bak` (a hard link made before the rename).
    func write(_ path: String, _ content: [UInt8], _ capability: Capability) throws(BrokerResult.Failure)
        -> BrokerResult
    {
        let beneath = try BeneathPath(path: path, allowedBy: capability)
        let (directory, name) = try beneath.parent()
        defer { close(directory) }
        var existing = stat()
        let exists = fstatat(directory, name, &existing, AT_SYMLINK_NOFOLLOW) == 0
        if exists && (existing.st_mode & S_IFMT) != S_IFREG {
            throw BrokerResult.Failure(code: .failedPrecondition, message: "\(path) exists and is not a regular file")
        }
        let temporary = ".\(name).aios-\(UUID().uuidString.prefix(8))"
        let file = openat(
            directory, temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
            exists ? existing.st_mode & 0o7777 : 0o644)
        guard file >= 0 else { throw BeneathPath.failure("create \(path)") }
        let written = content.withUnsafeBytes { Glibc.write(file, $0.baseAddress, $0.count) }
        let synced = fsync(file) == 0
        close(file)
        guard written == content.count, synced else {
            unlinkat(directory, temporary, 0)
            throw BeneathPath.failure("write \(path)")
        }
        var backup = false
        if exists {
            let backupName = name + ".bak"
            unlinkat(directory, backupName, 0)
            guard linkat(directory, name, directory, backupName, 0) == 0 else {
                unlinkat(directory, temporary, 0)
                throw BeneathPath.failure("back up \(path)")
            }
            backup = true
        }
        guard renameat(directory, temporary, directory, name) == 0 else {
            unlinkat(directory, temporary, 0)
            throw BeneathPath.failure("replace \(path)")
        }
        fsync(directory)
        return .success(
            [], ["bytes_written": .int(content.count), "backup_created": .bool(backup)], event: .fileModification)
    }

    func mkdir(_ path: String, _ capability: Capability) throws(BrokerResult.Failure) -> BrokerResult {
        let beneath = try BeneathPath(path: path, allowedBy: capability)
        let (directory, name) = try beneath.parent()
        defer { close(directory) }
        guard mkdirat(directory, name, 0o755) == 0 else { throw BeneathPath.failure("mkdir \(path)") }
        return .success([], ["created": .bool(true)], event: .fileModification)
    }

    func delete(_ path: String, _ capability: Capability) throws(BrokerResult.Failure) -> BrokerResult {
        let beneath = try BeneathPath(path: path, allowedBy: capability)
        let (directory, name) = try beneath.parent()
        defer { close(directory) }
        var status = stat()
        guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw BeneathPath.failure("delete \(path)")
        }
        let isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
        guard unlinkat(directory, name, isDirectory ? AT_REMOVEDIR : 0) == 0 else {
            throw BeneathPath.failure("delete \(path)")
        }
        return .success([], ["deleted": .string(isDirectory ? "directory" : "file")], event: .fileModification)
    }

    // MARK: Processes

    func processList() throws(BrokerResult.Failure) -> BrokerResult {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
            throw BrokerResult.Failure(code: .unavailable, message: "cannot read /proc")
        }
        var lines: [String] = []
        for pid in entries.compactMap(Int.init).sorted() {
            guard let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { continue }
            lines.append("\(pid) \(name.trimmingCharacters(in: .newlines))")
        }
        return .success(Array((lines.joined(separator: "\n") + "\n").utf8), ["processes": .int(lines.count)])
    }

    /// Starts an allow-listed executable by name; `args` is a JSON array of strings (never a shell line).
    func spawn(_ name: String, _ argumentsJSON: String?) async -> BrokerResult {
        guard let executable = executables[name] else {
            return .failure(
                .failedPrecondition, "'\(name)' is not in the Broker's allow-list of executables", event: .agentSpawn)
        }
        var arguments: [String] = []
        if let argumentsJSON {
            guard let data = argumentsJSON.data(using: .utf8),
                let list = try? JSONSerialization.jsonObject(with: data) as? [String]
            else { return .failure(.invalidArgument, "args must be a JSON array of strings", event: .agentSpawn) }
            arguments = list
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure(
                .unavailable, "cannot start \(executable): \(error.localizedDescription)", event: .agentSpawn)
        }
        return .success(
            Array("\(process.processIdentifier)\n".utf8),
            ["pid": .int(Int(process.processIdentifier)), "executable": .string(executable)], event: .agentSpawn)
    }

    /// Sends SIGTERM to a process whose name (comm) matches, by pid.
    func kill(_ name: String, _ pidText: String?) throws(BrokerResult.Failure) -> BrokerResult {
        guard let pidText, let pid = Int32(pidText), pid > 1 else {
            throw BrokerResult.Failure(code: .invalidArgument, message: "process.kill needs the pid of the process")
        }
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(
            in: .newlines)
        guard comm == name else {
            throw BrokerResult.Failure(code: .permissionDenied, message: "process \(pid) is not '\(name)'")
        }
        guard Glibc.kill(pid, SIGTERM) == 0 else { throw BeneathPath.failure("kill \(pid)") }
        return .success([], ["pid": .int(Int(pid)), "signal": .string("SIGTERM")])
    }
}
