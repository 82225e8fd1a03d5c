/// One `AUDIT_SECCOMP` record (type 1326): the kernel's note that a seccomp filter acted on a system call — for a
/// filter loaded with `SECCOMP_FILTER_FLAG_LOG`, also its refusals (`SECCOMP_RET_ERRNO`, when `errno` is in
/// `kernel.seccomp.actions_logged`, as it is by default). The text is the kernel's
/// (`auid=… uid=… gid=… ses=… pid=… comm="…" exe="…" sig=0 arch=c000003e syscall=313 … code=0x50000`); `comm`
/// and `exe` are the process's and may be anything, which the kernel quotes or hex-encodes.
public struct SeccompRecord: Hashable, Sendable {
    public static let auditType: UInt16 = 1326

    public var pid: Int32
    public var uid: UInt32
    /// The process's name and program, as the record gave them (hex-encoded when the kernel encoded them).
    public var command: String
    public var executable: String
    public var arch: UInt32
    public var syscall: Int
    /// The filter's action (`0x50000`: refused with an errno).
    public var code: UInt32

    /// The record's fields, or nil when one of pid, uid, arch, syscall is missing or malformed.
    public init?(text: some Collection<UInt8>) {
        var fields: [Substring: Substring] = [:]
        let string = String(decoding: text.prefix(4096), as: UTF8.self)
        var rest = string[...]
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].split(separator: " ").last ?? ""
            var value = rest[rest.index(after: equals)...]
            if value.first == "\"" {
                value = value.dropFirst()
                let close = value.firstIndex(of: "\"") ?? value.endIndex
                fields[key] = value[..<close]
                rest = close == value.endIndex ? "" : value[value.index(after: close)...]
            } else {
                let end = value.firstIndex(of: " ") ?? value.endIndex
                fields[key] = value[..<end]
                rest = value[end...]
            }
        }
        guard let pid = fields["pid"].flatMap({ Int32($0) }), let uid = fields["uid"].flatMap({ UInt32($0) }),
            let arch = fields["arch"].flatMap({ UInt32($0, radix: 16) }),
            let syscall = fields["syscall"].flatMap({ Int($0) })
        else { return nil }
        self.pid = pid
        self.uid = uid
        self.arch = arch
        self.syscall = syscall
        command = BoundedArgv.escape(fields["comm"].map { Array($0.utf8.prefix(64)) } ?? [])
        executable = BoundedArgv.escape(fields["exe"].map { Array($0.utf8.prefix(4096)) } ?? [])
        code = fields["code"].flatMap { UInt32($0.dropFirst(2), radix: 16) } ?? 0
    }

    /// The module call it was, by architecture (`AUDIT_ARCH_*`): init_module, finit_module or delete_module.
    public var moduleCall: String? {
        let calls: [UInt32: [Int: String]] = [
            0xC000_003E: [175: "init_module", 313: "finit_module", 176: "delete_module"],  // x86-64
            0x4000_0003: [128: "init_module", 350: "finit_module", 129: "delete_module"],  // i386
            0xC000_00B7: [105: "init_module", 273: "finit_module", 106: "delete_module"],  // aarch64
        ]
        return calls[arch]?[syscall]
    }
}
