import Foundation
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// systemd's notification protocol (`sd_notify`), for `Type=notify` and `WatchdogSec=`: `READY=1` once the daemon
/// listens, then `WATCHDOG=1` at half the watchdog interval — sent from Swift's cooperative threads, so a daemon
/// whose threads are all stuck stops pinging and systemd restarts it. Without `NOTIFY_SOCKET` it does nothing.
public struct SystemdNotifier: Sendable {
    /// `NOTIFY_SOCKET`: a path, or an abstract name when it starts with `@`.
    let socketPath: String?
    /// `WATCHDOG_USEC` (only when `WATCHDOG_PID` is unset or this process).
    let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if forUs, let text = environment["WATCHDOG_USEC"], let micros = Int64(text), micros > 0 {
            watchdogInterval = .microseconds(micros)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends one notification; false when there is no socket or it could not be sent.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // the abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, message, message.count, Int32(MSG_NOSIGNAL), $0, length)
            }
        }
        return sent == message.count
    }
}

/// Pings systemd's watchdog while the daemon runs.
struct WatchdogPinger: Service {
    let notifier: SystemdNotifier

    func run() async throws {
        // A service that returns ends the whole group: without a watchdog, wait for the shutdown like the others.
        guard let interval = notifier.watchdogInterval else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            notifier.notify("WATCHDOG=1")
            await pause(interval / 2)
        }
    }
}
