/// One event of the kernel's process connector (`linux/cn_proc.h`), reduced to what session recording and the host
/// IDS need. Pids are thread-group ids (processes) as the initial PID namespace numbers them; thread creation and
/// thread exits are ``ProcEvent/Kind/other``.
public struct ProcEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// `parent` forked `child` (a new process, not a thread).
        case fork(parent: Int32, child: Int32)
        /// `process` called execve: its argv, cwd and credentials are now the new program's.
        case exec(process: Int32)
        /// `process` ended: its group leader exited (a leader that exits while other threads run is rare, and
        /// then counts as the end).
        case exit(process: Int32)
        /// A thread of `process` changed its real and effective uid (setuid, setresuid, a setuid exec: the kernel
        /// reports every credential commit). `thread` is the thread that changed, equal to `process` for the leader.
        case uid(process: Int32, thread: Int32, real: UInt32, effective: UInt32)
        /// As ``uid(process:thread:real:effective:)``, for the real and effective gid.
        case gid(process: Int32, thread: Int32, real: UInt32, effective: UInt32)
        /// The answer to a subscription (`error` 0: listening); `token` is the request's `ack` number plus one,
        /// which is how a subscriber recognises its own (the kernel renumbers `seq` like any event).
        case acknowledgement(error: UInt32, token: UInt32)
        /// sid, ptrace, comm or coredump changes, thread creation and thread exits.
        case other
    }

    public let kind: Kind
    /// The CPU the event was raised on and its number there: the kernel numbers events per CPU, so a gap in
    /// one CPU's numbers is events this socket lost.
    public let cpu: UInt32
    public let sequence: UInt32

    public init(kind: Kind, cpu: UInt32, sequence: UInt32) {
        self.kind = kind
        self.cpu = cpu
        self.sequence = sequence
    }

    static let connectorIndex: UInt32 = 1
    static let listen: UInt32 = 1
    static let ignore: UInt32 = 2

    /// The events in one datagram from the connector socket. Every length is checked against the datagram: a short
    /// or foreign message is skipped, never read past.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> [ProcEvent] {
        var events: [ProcEvent] = []
        for header in NetlinkMessage.headers(in: bytes) {
            // cn_msg: id.idx, id.val, seq, ack, len (u16), flags (u16); then the proc_event.
            let message = header.payload
            guard message + 20 <= header.end,
                NetlinkMessage.uint32(bytes, at: message) == connectorIndex,
                NetlinkMessage.uint32(bytes, at: message + 4) == connectorIndex
            else { continue }
            let sequence = NetlinkMessage.uint32(bytes, at: message + 8)
            let token = NetlinkMessage.uint32(bytes, at: message + 12)
            let length = Int(NetlinkMessage.uint16(bytes, at: message + 16))
            let event = message + 20
            guard length >= 16, event + length <= header.end else { continue }
            let what = NetlinkMessage.uint32(bytes, at: event)
            let cpu = NetlinkMessage.uint32(bytes, at: event + 4)
            let data = event + 16
            let dataEnd = event + length
            func int32(_ index: Int) -> Int32? {
                data + 4 * (index + 1) <= dataEnd ? NetlinkMessage.int32(bytes, at: data + 4 * index) : nil
            }
            let kind: Kind
            switch what {
            case 0:
                guard let error = int32(0) else { continue }
                kind = .acknowledgement(error: UInt32(bitPattern: error), token: token)
            case 1:
                guard let childPID = int32(2), let childTGID = int32(3), let parentTGID = int32(1) else { continue }
                kind = childPID == childTGID ? .fork(parent: parentTGID, child: childTGID) : .other
            case 2:
                // A thread's execve makes it the group leader: the process is the tgid either way.
                guard let tgid = int32(1) else { continue }
                kind = .exec(process: tgid)
            case 0x4, 0x40:
                // id_proc_event: process_pid, process_tgid, then r.ruid|r.rgid and e.euid|e.egid.
                guard let thread = int32(0), let tgid = int32(1), let real = int32(2), let effective = int32(3)
                else { continue }
                let (r, e) = (UInt32(bitPattern: real), UInt32(bitPattern: effective))
                kind =
                    what == 0x4
                    ? .uid(process: tgid, thread: thread, real: r, effective: e)
                    : .gid(process: tgid, thread: thread, real: r, effective: e)
            case 0x8000_0000:
                guard let pid = int32(0), let tgid = int32(1) else { continue }
                kind = pid == tgid ? .exit(process: tgid) : .other
            default:
                kind = .other
            }
            events.append(ProcEvent(kind: kind, cpu: cpu, sequence: sequence))
        }
        return events
    }

    /// The subscription request (`PROC_CN_MCAST_LISTEN`, or `PROC_CN_MCAST_IGNORE` to end it) as one netlink
    /// message from `port`.
    static func subscription(_ operation: UInt32, port: UInt32, token: UInt32 = 0) -> [UInt8] {
        var out: [UInt8] = []
        func append(_ value: UInt32) { out += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func append16(_ value: UInt16) { out += [UInt8(value & 0xFF), UInt8(value >> 8)] }
        append(16 + 20 + 4)
        append16(3)  // NLMSG_DONE
        append16(0)
        append(0)
        append(port)
        append(connectorIndex)
        append(connectorIndex)
        append(0)
        append(token)  // ack: the kernel's acknowledgement carries token + 1
        append16(4)
        append16(0)
        append(operation)
        return out
    }
}
