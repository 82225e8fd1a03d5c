import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A scripted stand-in for the Messages API: an HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that answers each
/// request with the next reply of its script and records what it got, so tests can check what was sent (headers,
/// the system prompt, the user turn) and how the client copes with each kind of answer.
public final class FakeMessagesAPI: Sendable {
    /// One scripted answer.
    public indirect enum Reply: Sendable {
        case answer(status: Int, body: String, headers: [Header])
        /// The reply after a wait (the client's timeout should fire first).
        case delayed(Duration, Reply)
    }

    public struct Header: Sendable, Hashable {
        public let name: String
        public let value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One request as received.
    public struct Request: Sendable {
        public let method: String
        public let uri: String
        public let headers: [Header]
        public let body: [UInt8]

        /// The first value of header `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    private struct State: Sendable {
        var replies: [Reply]
        var requests: [Request] = []
    }

    private let state: Mutex<State>
    /// Its own loop: the shared singleton is busy with the rest of a parallel test run, and a starved server made
    /// the client under test time out.
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let serving: Mutex<Task<Void, Never>?>
    /// `http://127.0.0.1:<port>`.
    public let endpoint: String

    /// Starts the server with its script; a request after the script's end gets a 418 (which no client retries).
    public static func start(_ replies: [Reply]) async throws -> FakeMessagesAPI {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let fake = FakeMessagesAPI(server: server, group: group, replies: replies)
        fake.run(server)
        return fake
    }

    private init(
        server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
        group: MultiThreadedEventLoopGroup, replies: [Reply]
    ) {
        self.group = group
        state = Mutex(State(replies: replies))
        serverChannel = server.channel
        serving = Mutex(nil)
        endpoint = "http://127.0.0.1:\(server.channel.localAddress?.port ?? 0)"
    }

    private func run(_ server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>) {
        let task = Task<Void, Never> {
            _ = try? await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { try? await self.serve(connection) }
                    }
                }
            }
        }
        serving.withLock { $0 = task }
    }

    /// Sets the script (replacing what is left of it).
    public func script(_ replies: [Reply]) {
        state.withLock { $0.replies = replies }
    }

    /// The requests received so far, in order.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Stops listening and drops open connections.
    public func stop() async {
        serving.withLock { $0?.cancel() }
        try? await serverChannel.close().get()
        try? await group.shutdownGracefully()
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let received):
                    head = received
                    body = []
                case .body(let buffer): body += buffer.readableBytesView
                case .end:
                    guard let head else { continue }
                    let reply = record(head, body)
                    try await send(reply, to: outbound)
                }
            }
        }
    }

    private func record(_ head: HTTPRequestHead, _ body: [UInt8]) -> Reply {
        let request = Request(
            method: head.method.rawValue, uri: head.uri, headers: head.headers.map { Header($0.name, $0.value) },
            body: body)
        return state.withLock { state in
            state.requests.append(request)
            guard !state.replies.isEmpty else {
                return .answer(status: 418, body: #"{"type":"error","error":{"message":"script ended"}}"#, headers: [])
            }
            return state.replies.removeFirst()
        }
    }

    private func send(_ reply: Reply, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        switch reply {
        case .delayed(let wait, let inner):
            try await Task.sleep(for: wait)
            try await send(inner, to: outbound)
        case .answer(let status, let body, let extra):
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "content-length", value: String(body.utf8.count))
            for header in extra { headers.add(name: header.name, value: header.value) }
            let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers)
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
            try await outbound.write(.end(nil))
        }
    }
}
