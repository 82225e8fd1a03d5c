import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `Type=notify` and `WatchdogSec=`: the daemon says READY=1 once it listens and pings the watchdog at half its
/// interval — to the socket systemd names in NOTIFY_SOCKET (here one the test binds).
@Suite struct SystemdNotifyTests {
    @Test func theDaemonSaysReadyAndPingsTheWatchdog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aios-notify-\(UUID().uuidString)"
        )
        .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/notify"
        let receiver = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #expect(receiver >= 0)
        defer { close(receiver) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(receiver, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let daemon = try DaemonFixture(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"])
        defer { daemon.stop() }
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while messages.filter({ $0 == "WATCHDOG=1" }).count < 2
            || !messages.contains(where: { $0.hasPrefix("READY=1") })
        {
            let count = recv(receiver, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
        #expect(
            messages.contains { $0 == "READY=1\nSTATUS=listening on \(daemon.address)" },
            "ready, once listening: \(messages)")
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 2, "pinged at half the interval: \(messages)")
    }
}
