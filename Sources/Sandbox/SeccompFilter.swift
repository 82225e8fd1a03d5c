import CLauncher

#if canImport(Glibc)
import Glibc
#endif

/// The agent seccomp filter, compiled once with libseccomp (see `aios_seccomp_compile` for what it refuses) and
/// loaded by each child as its last step before exec.
public final class SeccompFilter: @unchecked Sendable {
    // Immutable after init; freed with the object.
    let program: UnsafeMutablePointer<aios_seccomp_program>

    public var instructions: Int { Int(program.pointee.length) }

    public init() throws(LaunchError) {
        program = .allocate(capacity: 1)
        program.initialize(to: aios_seccomp_program())
        guard aios_seccomp_compile(program) == 0 else {
            let failure = errno
            program.deallocate()
            throw LaunchError(step: "compiling the seccomp filter", errno: failure)
        }
    }

    deinit {
        aios_seccomp_free(program)
        program.deallocate()
    }

    /// The filter every agent gets, compiled on first use.
    public static let agent: Result<SeccompFilter, LaunchError> = Result { () throws(LaunchError) in try SeccompFilter()
    }
}
