import CFileAccess
import Foundation
import Glibc

/// The file tools' system calls, run on the Broker's confined thread after ``BrokerConfinement/restrict(_:)``.
/// Every open is non-blocking and checked to be a regular file (or a directory for listings) before any byte
/// moves: FIFOs, sockets and devices are refused, so no call can stall the thread or touch a device.
enum FileOperations {
    static let maximumRead = 16 << 20
    static let maximumEntries = 65_536

    static func read(_ path: BeneathPath, in root: Int32) throws(BrokerResult.Failure) -> BrokerResult {
        let descriptor = try openRegular(path, in: root)
        defer { close(descriptor) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { throw BeneathPath.failure("read \(path.shown)") }
            if count == 0 { break }
            output += buffer.prefix(count)
            guard output.count <= maximumRead else {
                throw BrokerResult.Failure(code: .resourceExhausted, message: "\(path.shown) is larger than 16 MiB")
            }
        }
        return .success(output, ["bytes_read": .int(output.count)])
    }

    /// Checks the kind first without opening the object for I/O (O_PATH), then opens it non-blocking and checks
    /// it is still the same regular file.
    static func openRegular(_ path: BeneathPath, in root: Int32) throws(BrokerResult.Failure) -> Int32 {
        let probe = try path.open(in: root, Int32(AIOS_O_PATH))
        var before = stat()
        let probed = fstat(probe, &before)
        close(probe)
        guard probed == 0 else { throw BeneathPath.failure("stat \(path.shown)") }
        try requireRegular(before, path)
        let descriptor = try path.open(in: root, O_RDONLY | O_NONBLOCK)
        var after = stat()
        guard fstat(descriptor, &after) == 0, after.st_dev == before.st_dev, after.st_ino == before.st_ino else {
            close(descriptor)
            throw BrokerResult.Failure(code: .aborted, message: "\(path.shown) changed while it was opened")
        }
        return descriptor
    }

    static func requireRegular(_ status: stat, _ path: BeneathPath) throws(BrokerResult.Failure) {
        let kind = status.st_mode & S_IFMT
        guard kind != S_IFREG else { return }
        let name =
            switch kind {
            case S_IFDIR: "a directory"
            case S_IFIFO: "a FIFO"
            case S_IFSOCK: "a socket"
            case S_IFCHR, S_IFBLK: "a device"
            default: "not a regular file"
            }
        throw BrokerResult.Failure(
            code: .failedPrecondition, message: "\(path.shown) is \(name); the Broker serves regular files only")
    }

    static func list(_ path: BeneathPath, in root: Int32) throws(BrokerResult.Failure) -> BrokerResult {
        let descriptor = try path.open(in: root, O_RDONLY | O_DIRECTORY | O_NONBLOCK)
        guard let directory = fdopendir(descriptor) else {
            close(descriptor)
            throw BeneathPath.failure("list \(path.shown)")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            guard names.count < maximumEntries else {
                throw BrokerResult.Failure(
                    code: .resourceExhausted, message: "\(path.shown) holds more than \(maximumEntries) entries")
            }
            names.append(entry.pointee.d_type == DT_DIR ? name + "/" : name)
        }
        names.sort()
        return .success(
            Array(names.joined(separator: "\n").utf8) + (names.isEmpty ? [] : [10]), ["entries": .int(names.count)])
    }

    static func mkdir(_ path: BeneathPath, in root: Int32) throws(BrokerResult.Failure) -> BrokerResult {
        let (directory, name) = try path.parent(in: root)
        defer { close(directory) }
        guard mkdirat(directory, name, 0o755) == 0 else { throw BeneathPath.failure("mkdir \(path.shown)") }
        return .success([], ["created": .bool(true)], event: .fileModification)
    }

    static func delete(_ path: BeneathPath, in root: Int32) throws(BrokerResult.Failure) -> BrokerResult {
        let (directory, name) = try path.parent(in: root)
        defer { close(directory) }
        var status = stat()
        guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw BeneathPath.failure("delete \(path.shown)")
        }
        let isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
        guard unlinkat(directory, name, isDirectory ? AT_REMOVEDIR : 0) == 0 else {
            throw BeneathPath.failure("delete \(path.shown)")
        }
        return .success([], ["deleted": .string(isDirectory ? "directory" : "file")], event: .fileModification)
    }
}
