import Dispatch
import Foundation
import Glibc
import Logging
import MCP

/// MCP's stdio transport with bounds: at most ``LineFramer/maximumBytes`` per message (a longer line is answered with
/// a JSON-RPC error and dropped), input read only as fast as the server takes it, blocking reads and writes on their
/// own threads (the descriptors' modes are left as they are: they may be shared with the parent), and the end of
/// input waits for the answers still owed — unless nobody is left to read them.
public actor StdioLineTransport: Transport {
    public nonisolated let logger: Logger
    private let output: CInt
    private let reader: Reader
    private let writes = DispatchQueue(label: "aios.mcp.stdout")
    private var open = OpenRequests()
    private var drained: [CheckedContinuation<Void, Never>] = []
    private var connected = false

    /// The longest the end of input waits for answers still owed (a call's own timeout bounds each of them).
    private let drainLimit: Duration

    public init(
        input: CInt = STDIN_FILENO, output: CInt = STDOUT_FILENO, maximumMessageBytes: Int, drainLimit: Duration,
        logger: Logger
    ) {
        self.drainLimit = drainLimit
        self.output = output
        self.reader = Reader(descriptor: input, framer: LineFramer(maximumBytes: maximumMessageBytes))
        self.logger = logger
    }

    public func connect() async throws { connected = true }

    public func disconnect() async {
        connected = false
        stopWaiting()
    }

    private func stopWaiting() {
        for waiter in drained { waiter.resume() }
        drained = []
    }

    public func send(_ data: Data) async throws {
        var line = Array(data)
        line.append(UInt8(ascii: "\n"))
        let written = await write(line)
        guard written else { throw MCPError.transportError(POSIXError(.EPIPE)) }
        open.sent(data)
        if open.isEmpty { stopWaiting() }
    }

    public func receive() -> AsyncThrowingStream<Data, any Error> {
        AsyncThrowingStream { [self] in try await self.nextMessage() }
    }

    /// The next message for the server; nil once input has ended and every request has been answered.
    private func nextMessage() async throws -> Data? {
        while connected {
            let frame = await withCheckedContinuation { continuation in
                reader.queue.async { [reader] in continuation.resume(returning: reader.next()) }
            }
            switch frame {
            case .message(let bytes)?:
                open.received(bytes)
                return Data(bytes)
            case .oversized?:
                logger.warning("dropped a message over \(reader.maximumBytes) bytes")
                let refusal =
                    #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: "#
                    + #"message over \#(reader.maximumBytes) bytes, dropped"}}"#
                try await send(Data(refusal.utf8))
            case nil:
                if !open.isEmpty {
                    watchOutput()
                    let limit = drainLimit
                    let timer = Task { [weak self] in
                        try await Task.sleep(for: limit)
                        await self?.stopWaiting()
                    }
                    await withCheckedContinuation { drained.append($0) }
                    timer.cancel()
                }
                return nil
            }
        }
        return nil
    }

    /// Stops the wait for answers owed once nobody reads them (the client is gone: its end of our output is
    /// closed). The process then ends, and with it its calls: the daemon cancels a call whose caller went away.
    private func watchOutput() {
        let descriptor = output
        DispatchQueue(label: "aios.mcp.stdout-watch").async { [weak self] in
            var request = pollfd(fd: descriptor, events: 0, revents: 0)
            while poll(&request, 1, -1) < 0 && errno == EINTR {}
            guard request.revents & Int16(POLLERR | POLLHUP) != 0 else { return }
            Task { await self?.stopWaiting() }
        }
    }

    private func write(_ bytes: [UInt8]) async -> Bool {
        await withCheckedContinuation { continuation in
            writes.async { [output] in continuation.resume(returning: Self.writeAll(bytes, to: output)) }
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: CInt) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            let error = errno
            if count > 0 {
                offset += count
            } else if count < 0 && error == EINTR {
                continue
            } else if count < 0 && error == EAGAIN {
                waitFor(descriptor, POLLOUT)
            } else {
                return false
            }
        }
        return true
    }

    fileprivate static func waitFor(_ descriptor: CInt, _ events: Int32) {
        var request = pollfd(fd: descriptor, events: Int16(events), revents: 0)
        _ = poll(&request, 1, -1)
    }

    /// Reads standard input on its own queue, one frame at a time.
    private final class Reader: @unchecked Sendable {
        let queue = DispatchQueue(label: "aios.mcp.stdin")
        let maximumBytes: Int
        private let descriptor: CInt
        // Touched only on `queue`.
        private var framer: LineFramer
        private var ended = false
        private var chunk = [UInt8](repeating: 0, count: 64 << 10)

        init(descriptor: CInt, framer: LineFramer) {
            self.descriptor = descriptor
            self.framer = framer
            self.maximumBytes = framer.maximumBytes
        }

        func next() -> LineFramer.Frame? {
            while !ended {
                if let frame = framer.next() { return frame }
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                let error = errno
                if count > 0 {
                    framer.append(chunk[..<count])
                } else if count < 0 && error == EINTR {
                    continue
                } else if count < 0 && error == EAGAIN {
                    StdioLineTransport.waitFor(descriptor, POLLIN)
                } else {
                    ended = true
                }
            }
            return framer.finish()
        }
    }
}
