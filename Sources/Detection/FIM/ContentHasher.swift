import CFileIntegrity
import Crypto
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads and hashes the walk's regular files on every core. Each file is opened beneath its watch root with no
/// symlink on the way, `O_NOFOLLOW | O_NONBLOCK` (a FIFO swapped in is never waited on), checked with `fstat` to
/// be the regular file that was listed before a byte is read, and checked again after the last byte.
struct ContentHasher {
    let workers: Int
    let progress: ScanProgress

    /// 1 MiB reads: few system calls, and the buffer stays in the cache between the read and the hash.
    static let bufferSize = 1 << 20

    /// Fills in the digests and attributes of `records` for `pending`; returns the files that could not be read.
    func hash(_ pending: [PendingFile], into records: inout [FileRecord]) -> [ScanIssue] {
        // Largest first, so one big file does not start last and leave every other core idle.
        let sizes = pending.map { records[$0.recordIndex].size }
        let order = pending.indices.sorted { sizes[$0] > sizes[$1] }
        let results = ResultSlots(count: pending.count)
        let next = Atomic<Int>(0)
        let snapshot = records
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, pending.count))) { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 4096)
            defer { buffer.deallocate() }
            while true {
                let taken = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard taken < order.count else { return }
                let file = pending[order[taken]]
                let outcome = Self.read(file, record: snapshot[file.recordIndex], buffer: buffer, progress: progress)
                results.store(outcome, at: order[taken])
                progress.filesDone.add(1, ordering: .relaxed)
            }
        }
        var issues: [ScanIssue] = []
        for (index, file) in pending.enumerated() {
            switch results.take(at: index) {
            case .hashed(let record): records[file.recordIndex] = record
            case .failed(let issue): issues.append(issue)
            }
        }
        return issues
    }

    enum Outcome {
        case hashed(FileRecord)
        case failed(ScanIssue)
    }

    static func read(
        _ file: PendingFile, record listed: FileRecord, buffer: UnsafeMutableRawBufferPointer, progress: ScanProgress
    ) -> Outcome {
        let flags = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC
        let descriptor = file.relative.withUnsafeBufferPointer {
            aios_fim_open(file.root, $0.baseAddress!, UInt64(flags))
        }
        guard descriptor >= 0 else { return .failed(.opening(errno, path: listed.path)) }
        defer { close(descriptor) }
        var before = stat()
        guard fstat(descriptor, &before) == 0, listed.isSameFile(as: before) else {
            return .failed(
                ScanIssue(kind: .changedDuringScan, path: listed.path, detail: "replaced before it was read"))
        }
        // The file as opened (it may have been written since it was listed: this is its state now).
        guard var record = FileRecord(path: listed.path, status: before, rules: listed.rules) else {
            return .failed(
                ScanIssue(kind: .changedDuringScan, path: listed.path, detail: "replaced before it was read"))
        }
        let attributes = ExtendedAttributes.read(descriptor: descriptor)
        record.xattrs = attributes.digest
        record.capabilities = attributes.capabilities
        guard record.rules.contains(.content), record.size <= file.maxHashSize else { return .hashed(record) }
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        var hasher = SHA256()
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .failed(
                    ScanIssue(kind: .unreadable, path: listed.path, detail: String(cString: strerror(errno))))
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            progress.bytesDone.add(count, ordering: .relaxed)
        }
        var after = stat()
        guard fstat(descriptor, &after) == 0, record.isSameState(as: after), after.st_ctim == before.st_ctim else {
            return .failed(ScanIssue(kind: .changedDuringScan, path: listed.path, detail: "written while it was read"))
        }
        record.digest = Array(hasher.finalize())
        return .hashed(record)
    }
}

extension timespec {
    static func == (lhs: timespec, rhs: timespec) -> Bool { lhs.tv_sec == rhs.tv_sec && lhs.tv_nsec == rhs.tv_nsec }
}

/// One slot per pending file, each written by exactly one worker (the one that took its index from the atomic
/// counter) and read only after `concurrentPerform` returned: no two threads touch one slot.
private final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<ContentHasher.Outcome?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func store(_ outcome: ContentHasher.Outcome, at index: Int) { slots[index] = outcome }

    func take(at index: Int) -> ContentHasher.Outcome {
        guard let outcome = slots[index] else { preconditionFailure("every pending file has an outcome") }
        return outcome
    }
}

/// Counters a progress display reads while the hashers run.
public final class ScanProgress: Sendable {
    public let filesDone = Atomic<Int>(0)
    public let bytesDone = Atomic<Int>(0)
    public let filesTotal = Atomic<Int>(0)
    public let bytesTotal = Atomic<Int>(0)
    /// Set when the walk has listed everything (the totals are final).
    public let listed = Atomic<Bool>(false)

    public init() {}
}
