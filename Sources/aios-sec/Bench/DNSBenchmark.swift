import ArgumentParser
import Firewall
import Foundation
import Policy
import Synchronization

/// Issue 14's DNS figures in one run: queries a second and their latency through the forwarder, first alone, then
/// while an attacker sends queries the upstream never answers (and so must wait out their deadline). In a network
/// namespace made for the run and deleted after it: the forwarder on 127.0.0.53, a stub upstream on 127.0.0.2
/// (answers at once; names starting with `slow` never), the firewall's real table. Needs root.
func benchmarkDNS(clients: Int, seconds: Double, attackRate: Int) throws -> String {
    let namespace = "aios-bench-dns-\(getpid())"
    try runIP(["netns", "add", namespace])
    defer { _ = try? runIP(["netns", "del", namespace]) }
    try runIP(["-n", namespace, "link", "set", "lo", "up"])
    let nftables = try Nftables(in: .named(namespace))
    var policy = FirewallPolicy.default
    policy.allowedNames = [try HostPattern(parsing: "*.bench.test")]
    policy.dns.servers = [IPAddress("127.0.0.2")!]
    let ruleset = FirewallRuleset(policy: policy)
    try FirewallTable(nftables: nftables).apply(ruleset)
    let allow = AllowSets(nftables: nftables, grants: ruleset.nameGrants, minimumTTL: .seconds(300))
    let stop = Flag()
    let upstream = try StubUpstream.start(on: nftables.thread, stop: stop)
    defer {
        stop.value.store(true, ordering: .relaxed)
        upstream.wait()
    }
    let forwarder = DNSForwarder(configuration: .init(policy.dns), allowSets: allow, thread: nftables.thread)
    try forwarder.start()
    defer { forwarder.stop() }
    let alone = load(on: nftables.thread, clients: clients, seconds: seconds, attackRate: 0)
    let attacked = load(on: nftables.thread, clients: clients, seconds: seconds, attackRate: attackRate)
    let statistics = forwarder.statistics
    return """
        | \(clients) clients, \(String(format: "%.0f", seconds)) s each (UDP, one query at a time) | queries/s \
        | p50 ms | p99 ms | failed or timed out |
        |---|---:|---:|---:|---:|
        \(alone.row("alone"))
        \(attacked.row("with an attacker sending \(attackRate) never-answered queries/s (\(attacked.attackSent) sent)"))

        Forwarder: \(statistics.forwarded) forwarded, \(statistics.timedOut) answered SERVFAIL at their deadline, \
        \(statistics.limited) turned away by a limit, \(statistics.failed) failed.
        """
}

private struct LoadResult {
    var latencies: [Duration] = []
    var failures = 0
    var seconds = 0.0
    var attackSent = 0

    func row(_ label: String) -> String {
        let sorted = latencies.sorted()
        func ms(_ q: Double) -> String {
            sorted.isEmpty
                ? "–"
                : String(
                    format: "%.2f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] / .milliseconds(1))
        }
        let rate = String(format: "%.0f", Double(sorted.count) / seconds)
        return "| \(label) | \(rate) | \(ms(0.5)) | \(ms(0.99)) | \(failures) |"
    }
}

private func load(on thread: NamespaceThread, clients: Int, seconds: Double, attackRate: Int) -> LoadResult {
    let results = Mutex(LoadResult(seconds: seconds))
    let group = DispatchGroup()
    let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    for client in 0..<clients {
        group.enter()
        thread.detach(name: "aios-bench-dns-\(client)") {
            defer { group.leave() }
            guard let socket = UDPClient(timeout: 1) else { return }
            defer { socket.close() }
            var latencies: [Duration] = []
            var failures = 0
            var id: UInt16 = UInt16(client) << 12
            while ContinuousClock.now < end {
                id &+= 1
                let start = ContinuousClock.now
                if socket.ask(query(id: id, name: "api.bench.test")) {
                    latencies.append(ContinuousClock.now - start)
                } else {
                    failures += 1
                }
            }
            results.withLock {
                $0.latencies += latencies
                $0.failures += failures
            }
        }
    }
    if attackRate > 0 {
        group.enter()
        thread.detach(name: "aios-bench-dns-attacker") {
            defer { group.leave() }
            var sent = 0
            let started = ContinuousClock.now
            var sockets: [UDPClient] = []
            while ContinuousClock.now < end {
                // A new socket every 16 queries: the attacker's queries do not share one client port.
                if sent % 16 == 0, let fresh = UDPClient(timeout: 0.001) { sockets.append(fresh) }
                sockets.last?.send(query(id: UInt16(truncatingIfNeeded: sent), name: "slow\(sent).bench.test"))
                sent += 1
                let due = started + .microseconds(Int64(sent) * 1_000_000 / Int64(attackRate))
                let now = ContinuousClock.now
                if due > now { Thread.sleep(forTimeInterval: Double((due - now) / .microseconds(1)) / 1e6) }
            }
            sockets.forEach { $0.close() }
            results.withLock { $0.attackSent = sent }
        }
    }
    group.wait()
    return results.withLock { $0 }
}

/// An A query for `name`, recursion desired.
private func query(id: UInt16, name: String) -> [UInt8] { DNSMessage.query(id: id, name: name, type: 1) ?? [] }

/// A blocking UDP socket to 127.0.0.53:53.
private struct UDPClient {
    let fd: Int32

    init?(timeout: Double) {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var value = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(53).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0035).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            return nil
        }
    }

    func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) } }

    /// Sends and waits for the reply with the same id and RCODE 0.
    func ask(_ bytes: [UInt8]) -> Bool {
        send(bytes)
        var buffer = [UInt8](repeating: 0, count: 1_500)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count >= 12 else { return false }
            if buffer[0] == bytes[0] && buffer[1] == bytes[1] { return buffer[3] & 0x0F == 0 }
        }
    }

    func close() { Glibc.close(fd) }
}

/// The upstream resolver of the benchmark: answers every A query at once with 192.0.2.1 (TTL 300), except names
/// whose first label starts with `slow`, which it never answers.
private enum StubUpstream {
    static func start(on thread: NamespaceThread, stop: Flag) throws -> DispatchGroup {
        let ready = DispatchSemaphore(value: 0)
        let bound = Flag()
        let group = DispatchGroup()
        group.enter()
        thread.detach(name: "aios-bench-dns-upstream") {
            defer { group.leave() }
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var value = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(53).bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0002).bigEndian
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            bound.value.store(result == 0, ordering: .relaxed)
            ready.signal()
            guard result == 0 else { return }
            defer { Glibc.close(fd) }
            var buffer = [UInt8](repeating: 0, count: 1_500)
            while !stop.value.load(ordering: .relaxed) {
                var peer = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                        buffer.withUnsafeMutableBytes { recvfrom(fd, $0.baseAddress, $0.count, 0, pointer, &length) }
                    }
                }
                guard count > 17, !(buffer[13] == UInt8(ascii: "s") && buffer[14] == UInt8(ascii: "l")) else {
                    continue
                }
                var end = 12
                while end < count && buffer[end] != 0 { end += Int(buffer[end]) + 1 }
                guard end + 5 <= count else { continue }
                var reply = Array(buffer[0..<end + 5])
                reply[2] = 0x81
                reply[3] = 0x80
                reply[7] = 1
                reply += [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 192, 0, 2, 1]
                _ = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                        reply.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, pointer, length) }
                    }
                }
            }
        }
        ready.wait()
        guard bound.value.load(ordering: .relaxed) else {
            throw FirewallBenchmarkError("cannot bind the stub upstream")
        }
        return group
    }
}

/// A flag shared between the benchmark's threads.
private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}

func runIP(_ arguments: [String]) throws { try runSystem("/usr/sbin/ip", arguments) }

/// Runs a system tool of the benchmarks' set-up; throws when it fails.
func runSystem(_ executable: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let name = URL(fileURLWithPath: executable).lastPathComponent
        throw FirewallBenchmarkError("\(name) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
    }
}

/// `aios-sec bench dns`.
struct DNSBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "DNS forwarder queries/s and p99, alone and beside a never-answered-query attacker, in one run.",
        discussion: "Needs root (a network namespace made for the run). Prints a Markdown table.")

    @Option(help: "Clients asking one query at a time.") var clients = 8
    @Option(help: "Seconds per phase.") var seconds = 5.0
    @Option(help: "The attacker's never-answered queries a second.") var attackRate = 200

    func run() throws {
        guard geteuid() == 0 else {
            printError("bench dns: needs root")
            throw ExitStatus.noPermission
        }
        print(try benchmarkDNS(clients: clients, seconds: seconds, attackRate: attackRate))
    }
}
