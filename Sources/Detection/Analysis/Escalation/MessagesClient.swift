import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One HTTP attempt's outcome: what the ``Escalator`` decides on and records. Never holds the key; the body is the
/// answer's, bounded by the settings.
struct MessagesExchange: Sendable {
    var status: Int?
    var body: [UInt8] = []
    var retryAfter: Duration?
    var latencyMilliseconds: Int64 = 0
    /// A fixed phrase when no complete answer arrived (timeout, connection failure, answer too large).
    var failure: String?
}

/// POSTs a Messages API request over AsyncHTTPClient: redirects never followed (the key must not travel to another
/// host), connect and per-attempt timeouts, the answer read up to a size cap.
final class MessagesClient: Sendable {
    private let client: HTTPClient
    private let url: String
    private let settings: EscalationSettings

    init(settings: EscalationSettings) throws(DetectionError) {
        url = try settings.messagesURL()
        self.settings = settings
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(
            connect: Self.amount(settings.connectTimeout), read: Self.amount(settings.requestTimeout))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    func post(_ body: [UInt8], apiKey: String) async -> MessagesExchange {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "anthropic-version", value: "2023-06-01")
        request.headers.add(name: "x-api-key", value: apiKey)
        request.body = .bytes(body)
        let clock = ContinuousClock()
        let start = clock.now
        var exchange = MessagesExchange()
        do {
            let response = try await client.execute(request, timeout: Self.amount(settings.requestTimeout))
            exchange.status = Int(response.status.code)
            exchange.retryAfter = RetryPolicy.retryAfter(response.headers.first(name: "retry-after"))
            // A length announced over the limit is refused before a byte of the body is read.
            if let length = response.headers.first(name: "content-length").flatMap(Int.init),
                length > settings.maxResponseBytes
            {
                exchange.failure = Self.tooLarge
                exchange.latencyMilliseconds = Int64((clock.now - start) / .milliseconds(1))
                return exchange
            }
            let buffer = try await response.body.collect(upTo: settings.maxResponseBytes)
            exchange.body = Array(buffer.readableBytesView)
        } catch {
            exchange.failure = Self.phrase(for: error)
        }
        exchange.latencyMilliseconds = Int64((clock.now - start) / .milliseconds(1))
        return exchange
    }

    /// A fixed phrase for a transport error: never the error's own text, which could quote a URL or a header.
    static let tooLarge = "answer over the size limit"

    static func phrase(for error: any Error) -> String {
        if error is NIOTooManyBytesError { return tooLarge }
        guard let http = error as? HTTPClientError else { return "transport failure" }
        switch http {
        case .connectTimeout: return "connect timeout"
        case .deadlineExceeded, .readTimeout: return "timeout"
        case .remoteConnectionClosed: return "connection closed by the server"
        case .cancelled: return "cancelled"
        default: return "transport failure"
        }
    }

    static func amount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(duration / .nanoseconds(1)))
    }
}
