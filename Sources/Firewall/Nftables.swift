import CNftables
import Foundation
import Synchronization

/// libnftables in-process, in one network namespace: each ``run(_:output:)`` is one batch, which the kernel
/// applies as one transaction (all of it or none of it). Output and errors are captured, never printed.
public final class Nftables: Sendable {
    public let thread: NamespaceThread
    private let context: Context

    /// How listings are printed.
    public struct Output: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let json = Output(rawValue: UInt32(NFT_CTX_OUTPUT_JSON))
        /// Without the contents of named sets.
        public static let terse = Output(rawValue: UInt32(NFT_CTX_OUTPUT_TERSE))
        /// Without counters and other state.
        public static let stateless = Output(rawValue: UInt32(NFT_CTX_OUTPUT_STATELESS))
    }

    public init(in namespace: NetworkNamespace = .current) throws(FirewallError) {
        let thread = try NamespaceThread(namespace)
        let pointer = thread.run { () -> OpaquePointer? in
            nftablesLock.withLock { _ in
                guard let context = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else { return nil }
                nft_ctx_buffer_output(context)
                nft_ctx_buffer_error(context)
                return context
            }
        }
        guard let pointer else { throw .unavailable("libnftables: cannot create a context") }
        self.thread = thread
        self.context = Context(pointer)
    }

    deinit {
        let context = self.context
        thread.run { nftablesLock.withLock { _ in nft_ctx_free(context.pointer) } }
    }

    /// Runs `commands` (nft's text syntax, or JSON when it starts with `{`) as one transaction; returns what nft
    /// printed. A refused batch throws ``FirewallError/rejected(_:file:line:)`` with nft's message, and changes
    /// nothing.
    @discardableResult
    public func run(_ commands: String, output: Output = []) throws(FirewallError) -> String {
        let context = self.context
        let (status, printed, errors) = thread.run { () -> (Int32, String, String) in
            nftablesLock.withLock { _ in
                nft_ctx_output_set_flags(context.pointer, output.rawValue)
                let status = nft_run_cmd_from_buffer(context.pointer, commands)
                let printed = nft_ctx_get_output_buffer(context.pointer).map { String(cString: $0) } ?? ""
                let errors = nft_ctx_get_error_buffer(context.pointer).map { String(cString: $0) } ?? ""
                return (status, printed, errors)
            }
        }
        guard status == 0 else {
            let message = errors.trimmingCharacters(in: .whitespacesAndNewlines)
            throw .rejected("nftables refused the change: \(message.isEmpty ? "status \(status)" : message)")
        }
        return printed
    }
}

/// libnftables keeps some process-wide state (its parser, the gmp allocator hooks): one call at a time.
private let nftablesLock = Mutex(())

/// The `nft_ctx *`, used only on the owning thread under the lock.
private struct Context: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
