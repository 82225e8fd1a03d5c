import CFileAccess
import Foundation
import Glibc
import Sandbox

/// The kernel's second check on the Broker's own decisions: every file operation runs on a fresh thread that
/// first hides the protected paths (its own mount namespace), then confines itself with Landlock to what the
/// allowing capability names, with `no_new_privs`. A Gate that allowed too much, a pattern that reached too far,
/// a symlink resolved differently than checked — the kernel still refuses. The thread serves one operation and
/// ends (confinement cannot be undone), and it is never one of Swift's cooperative threads, so an operation that
/// blocks holds up nothing else.
///
/// Threads share memory, so this is no boundary against code running inside the daemon; it holds the daemon to
/// its decisions. If the thread cannot confine itself (no privilege for a mount namespace, no Landlock), the
/// operation fails closed.
struct BrokerConfinement: Sendable {
    /// A Landlock rule: rights beneath a directory (or on a file) given by path relative to nothing — the
    /// descriptor is opened inside the confined thread, after the masks.
    struct Rule {
        let descriptor: Int32
        let access: LandlockAccess
    }

    /// What the thread hides before it acts.
    let masks: [String]

    /// Runs `body` on a new thread after hiding the masks; `body` opens what it needs and then calls
    /// ``restrict(_:)`` before it touches anything an agent named.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(BrokerResult.Failure) -> T) async
        -> Result<T, BrokerResult.Failure>
    {
        let masks = self.masks
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Result { () throws(BrokerResult.Failure) -> T in
                        try Self.hide(masks)
                        return try body()
                    })
            }
            thread.start()
        }
    }

    private static func hide(_ masks: [String]) throws(BrokerResult.Failure) {
        let copies = masks.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let step = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer {
            aios_broker_mask($0.baseAddress, $0.count)
        }
        if step != 0 { throw failure(step) }
    }

    /// Confines the calling (Broker) thread to `rules`: whatever they do not grant, the kernel refuses.
    static func restrict(_ rules: [Rule]) throws(BrokerResult.Failure) {
        let raw = rules.map { aios_broker_rule(directory: $0.descriptor, access: $0.access.rawValue) }
        let step = raw.withUnsafeBufferPointer { aios_broker_restrict($0.baseAddress, $0.count) }
        if step != 0 { throw failure(step) }
    }

    private static func failure(_ step: Int32) -> BrokerResult.Failure {
        let what =
            switch Int(step) {
            case Int(AIOS_BROKER_STEP_UNSHARE): "a private mount namespace (needs root)"
            case Int(AIOS_BROKER_STEP_PROPAGATION): "slave mount propagation"
            case Int(AIOS_BROKER_STEP_MASK): "hiding the protected paths"
            default: "Landlock"
            }
        return BrokerResult.Failure(
            code: .failedPrecondition,
            message: "the Broker cannot confine itself (\(what): \(BeneathPath.errorText())); nothing was done")
    }
}
