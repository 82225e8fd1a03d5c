import CKeyring

#if canImport(Glibc)
import Glibc
#endif

/// What a process holding secrets does first: no core dumps (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0,
/// which also stops same-uid processes from attaching with ptrace or reading its memory through /proc).
public enum ProcessHygiene {
    public static func refuseCoreDumps() throws(SecretsError) {
        guard aios_refuse_core_dumps() == 0 else {
            throw .io("cannot refuse core dumps: \(String(cString: strerror(errno)))")
        }
    }

    /// Whether this process may currently dump core (PR_GET_DUMPABLE), and its core size limit.
    public static var state: (dumpable: Bool, coreLimit: UInt64) {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
        return (aios_is_dumpable() != 0, UInt64(limit.rlim_cur))
    }
}
