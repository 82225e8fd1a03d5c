import Dispatch

/// Where the console's ledger reads run: one at a time, on a queue of their own, never on the threads that serve
/// requests and the gRPC API. A search over a large ledger, a proof over a long checkpoint log or many operators
/// searching at once wait for each other, not the daemon.
enum LedgerReads {
    private static let queue = DispatchQueue(label: "aios.console.ledger-reads", qos: .utility)

    static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
