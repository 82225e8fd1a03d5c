import ArgumentParser
import Firewall
import Foundation
import NIOCore
import Synchronization

/// The egress proxy's cost against a direct connection, in one run: connection setup (connect, and for the proxy
/// its `CONNECT` and `200`, then one byte there and back) and the throughput of one large transfer, also through
/// a bare `splice(2)` relay (``BareSpliceRelay``: what any relay costs) and, on request, over a link shaped to a
/// real link's rate. Three network namespaces made for the run and deleted after it: the agent's (loopback only,
/// the relays' listeners in it), the proxy's outbound one, and a "world" one behind a veth where a server echoes or
/// swallows bytes. The direct client runs in the outbound namespace, so every path crosses the same veth. Needs
/// root.
func benchmarkEgress(connections: Int, megabytes: Int, transfers: Int, linkRates: [Int]) async throws -> String {
    let base = "aios-bench-eg-\(getpid())"
    let (agentName, outName, worldName) = (base + "-agent", base + "-out", base + "-world")
    defer { for name in [agentName, outName, worldName] { _ = try? runIP(["netns", "del", name]) } }
    for name in [agentName, outName, worldName] {
        try runIP(["netns", "add", name])
        try runIP(["-n", name, "link", "set", "lo", "up"])
    }
    try runIP(["-n", outName, "link", "add", "b0", "type", "veth", "peer", "name", "b1", "netns", worldName])
    try runIP(["-n", outName, "addr", "add", "10.96.0.1/24", "dev", "b0"])
    try runIP(["-n", worldName, "addr", "add", "10.96.0.2/24", "dev", "b1"])
    try runIP(["-n", outName, "link", "set", "b0", "up"])
    try runIP(["-n", worldName, "link", "set", "b1", "up"])

    let world = try NamespaceThread(.named(worldName))
    let outbound = try NamespaceThread(.named(outName))
    let agent = try NamespaceThread(.named(agentName))
    let server = try BenchSocket.listen(in: world, address: "10.96.0.2", port: 9000)
    world.detach(name: "aios-bench-world") { BenchSocket.serve(server) }
    defer { shutdown(server, Int32(SHUT_RDWR)) }

    let recorded = Atomic<Int>(0)
    let proxy = try EgressProxy(
        outbound: outbound,
        authorize: { _, destination in
            destination.description == "10.96.0.2:9000"
                ? .allow(capability: "net:connect:10.96.0.2:9000")
                : .deny(
                    missing: "net:connect:\(destination)")
        },
        record: { _ in recorded.add(1, ordering: .relaxed) })
    defer { proxy.shutdown() }
    // The listener is placed as the spawner places an agent's: made inside the agent's namespace.
    _ = try await proxy.serve(listeningSocket: try EgressProxy.listeningSocket(in: agent, port: 3128), agent: "bench")

    var direct: [Duration] = []
    var proxied: [Duration] = []
    for _ in 0..<connections {
        direct.append(try outbound.run { Result { try BenchSocket.roundTrip(via: nil) } }.get())
        proxied.append(try agent.run { Result { try BenchSocket.roundTrip(via: 3128) } }.get())
    }
    let (directSetup, proxiedSetup) = (median(direct), median(proxied))
    func ms(_ duration: Duration) -> String { String(format: "%.3f", Double(duration / .microseconds(1)) / 1000) }

    let bare = try BareSpliceRelay(
        in: agent, port: 3129, outbound: outbound, destination: sockaddr_in("10.96.0.2", 9000))
    defer { bare.stop() }
    var rows: [String] = []
    // Unshaped first: each rate after it replaces the shaping before it.
    for rate in [nil] + linkRates.map(Optional.some) {
        if let rate { try shapeLink(namespace: outName, device: "b0", megabitsPerSecond: rate) }
        let figures = try throughput(megabytes << 20, transfers: transfers, agent: agent, outbound: outbound)
        rows.append(figures.row(link: rate.map { "\($0) Mbit/s" } ?? "unshaped (loopback + veth)"))
    }
    // A connection is recorded as it ends, just after the client has its answer: the last ones, a moment later.
    let proxiedConnections = connections + transfers * (1 + linkRates.count)
    let grace = ContinuousClock.now + .seconds(5)
    while recorded.load(ordering: .relaxed) < proxiedConnections && ContinuousClock.now < grace {
        try await Task.sleep(for: .milliseconds(10))
    }
    return """
        | \(connections) connections each path (medians) | direct | through the proxy | proxy − direct |
        |---|---:|---:|---:|
        | setup: connect (+ CONNECT, 200) + 1-byte round trip, ms | \(ms(directSetup)) | \(ms(proxiedSetup)) \
        | +\(ms(proxiedSetup - directSetup)) ms |
        | setup p99, ms | \(ms(percentile(direct, 0.99))) | \(ms(percentile(proxied, 0.99))) | |

        | \(megabytes) MB ×\(transfers) each path, alternating (MB/s, medians; ratios: median of each transfer against \
        the direct one just before it) | direct | bare splice relay | ratio | through the proxy | ratio |
        |---|---:|---:|---:|---:|---:|
        \(rows.joined(separator: "\n"))

        Connections recorded by the proxy: \(recorded.load(ordering: .relaxed)) of \(proxiedConnections).
        """
}

/// One link setting's transfers: each path's rates, in the order run.
private struct ThroughputFigures {
    var direct: [Double] = []
    var bare: [Double] = []
    var proxied: [Double] = []

    func row(link: String) -> String {
        func rate(_ rates: [Double]) -> String { String(format: "%.0f", rates.sorted()[rates.count / 2]) }
        // Each relayed transfer against the direct one just before it: the shared machine's load shifts both alike.
        func ratio(_ rates: [Double]) -> String {
            String(format: "%.2f×", zip(rates, direct).map { $0 / $1 }.sorted()[rates.count / 2])
        }
        return "| \(link) | \(rate(direct)) | \(rate(bare)) | \(ratio(bare)) | \(rate(proxied)) | \(ratio(proxied)) |"
    }
}

/// `transfers` rounds of one transfer of `bytes` on each path: direct (from the outbound namespace), through the
/// bare splice relay and through the proxy (from the agent's).
private func throughput(_ bytes: Int, transfers: Int, agent: NamespaceThread, outbound: NamespaceThread) throws
    -> ThroughputFigures
{
    var figures = ThroughputFigures()
    for _ in 0..<transfers {
        figures.direct.append(try outbound.run { Result { try BenchSocket.transfer(bytes, via: nil) } }.get())
        figures.bare.append(try agent.run { Result { try BenchSocket.transfer(bytes, via: 3129) } }.get())
        figures.proxied.append(try agent.run { Result { try BenchSocket.transfer(bytes, via: 3128) } }.get())
    }
    return figures
}

/// Limits what `device` (in the bench's `namespace`) sends to `megabits` a second with a token bucket, as a real
/// link would. Every path leaves through that device.
private func shapeLink(namespace: String, device: String, megabitsPerSecond megabits: Int) throws {
    // A burst of 5 ms at the rate (at least 256 KiB: GSO packets are up to 64 KiB).
    let burst = max(megabits * 1_000_000 / 8 / 200, 256 << 10)
    try runSystem(
        "/usr/sbin/tc",
        [
            "-n", namespace, "qdisc", "replace", "dev", device, "root", "tbf", "rate", "\(megabits)mbit", "burst",
            String(burst), "latency", "50ms",
        ])
}

private func median(_ values: [Duration]) -> Duration { percentile(values, 0.5) }

private func percentile(_ values: [Duration], _ fraction: Double) -> Duration {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

/// Blocking sockets for the benchmark's clients and its world server (plain POSIX, so both paths pay the same).
private enum BenchSocket {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func listen(in namespace: NamespaceThread, address: String, port: UInt16) throws -> Int32 {
        let descriptor = namespace.run { () -> Int32 in
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var one: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var socketAddress = sockaddr_in(address, port)
            let bound = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            return bound == 0 && Glibc.listen(descriptor, 256) == 0 ? descriptor : -1
        }
        guard descriptor >= 0 else { throw Failure(description: "the world server cannot listen") }
        return descriptor
    }

    /// Accepts until the listener is shut down. A connection's first byte says what it wants: `e` echo each byte
    /// back, `s` swallow everything to the end and then answer `k`.
    static func serve(_ listener: Int32) {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            Thread.detachNewThread {
                defer { close(connection) }
                var mode: UInt8 = 0
                guard recv(connection, &mode, 1, 0) == 1 else { return }
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                    if count <= 0 { break }
                    if mode == UInt8(ascii: "e") {
                        _ = buffer.withUnsafeBytes { send(connection, $0.baseAddress, count, 0) }
                    }
                }
                if mode == UInt8(ascii: "s") {
                    var done = UInt8(ascii: "k")
                    _ = send(connection, &done, 1, 0)
                }
            }
        }
    }

    /// Connects (to the world server, or to a relay on 127.0.0.1:`port` and through it) and returns a socket ready
    /// for the protocol.
    static func open(via port: UInt16?) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = port.map { sockaddr_in("127.0.0.1", $0) } ?? sockaddr_in("10.96.0.2", 9000)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure(description: "connect: \(String(cString: strerror(errno)))")
        }
        guard port != nil else { return descriptor }
        try sendAll(descriptor, Array("CONNECT 10.96.0.2:9000 HTTP/1.1\r\nHost: 10.96.0.2:9000\r\n\r\n".utf8))
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.ends(with: [13, 10, 13, 10]) {
            guard recv(descriptor, &byte, 1, 0) == 1 else { throw Failure(description: "the proxy closed") }
            head.append(byte)
        }
        guard String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 200") else {
            close(descriptor)
            throw Failure(description: "the proxy answered \(String(decoding: head.prefix(40), as: UTF8.self))")
        }
        return descriptor
    }

    static func roundTrip(via port: UInt16?) throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        let descriptor = try open(via: port)
        defer { close(descriptor) }
        try sendAll(descriptor, [UInt8(ascii: "e"), 1])
        var byte: UInt8 = 0
        guard recv(descriptor, &byte, 1, 0) == 1 else { throw Failure(description: "no echo") }
        return clock.now - start
    }

    /// Sends `bytes` (directly, or through the relay on 127.0.0.1:`port`) and waits for the server's `k` after
    /// the end: MB/s.
    static func transfer(_ bytes: Int, via port: UInt16?) throws -> Double {
        let descriptor = try open(via: port)
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0x61, count: 1 << 16)
        let clock = ContinuousClock()
        let start = clock.now
        try sendAll(descriptor, [UInt8(ascii: "s")])
        var left = bytes
        while left > 0 {
            let count = min(left, chunk.count)
            try sendAll(descriptor, Array(chunk[..<count]))
            left -= count
        }
        shutdown(descriptor, Int32(SHUT_WR))
        var done: UInt8 = 0
        guard recv(descriptor, &done, 1, 0) == 1, done == UInt8(ascii: "k") else {
            throw Failure(description: "the transfer did not end")
        }
        let seconds = Double((clock.now - start) / .microseconds(1)) / 1_000_000
        return Double(bytes) / 1_048_576 / seconds
    }

    static func sendAll(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, bytes.count - offset, 0) }
            guard sent > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }
}

extension sockaddr_in {
    fileprivate init(_ address: String, _ port: UInt16) {
        self.init()
        sin_family = sa_family_t(AF_INET)
        sin_port = port.bigEndian
        inet_pton(AF_INET, address, &sin_addr)
    }
}

extension [UInt8] {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}

/// `aios-sec bench egress`.
struct EgressBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "egress",
        abstract: "The agents' egress proxy against a direct connection: setup and throughput, in one run.",
        discussion: "Needs root (network namespaces made for the run and deleted after it). Prints a Markdown table.")

    @Option(help: "Connections timed for the setup figures (each path).") var connections = 200
    @Option(help: "Megabytes of the transfer timed for throughput.") var megabytes = 100
    @Option(help: "Transfers each path, alternating (the median is reported).") var transfers = 15
    @Option(
        name: .customLong("link-rate"),
        help: "Also time the transfers with the link shaped to this many Mbit/s (repeatable), as a real link would be.")
    var linkRates: [Int] = []

    func run() async throws {
        guard geteuid() == 0 else {
            printError("bench egress: needs root")
            throw ExitStatus.noPermission
        }
        print(
            try await benchmarkEgress(
                connections: connections, megabytes: megabytes, transfers: max(transfers, 1),
                linkRates: linkRates.filter { $0 > 0 }))
    }
}
