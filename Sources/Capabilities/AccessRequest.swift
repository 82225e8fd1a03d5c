/// One request to act: `namespace`, `action`, `resource` — for example `fs`, `write`, `/etc/nginx/nginx.conf`.
///
/// Constructing one checks the input (no NUL bytes, non-empty namespace and action) and notes whether the
/// resource needs lexical normalisation; a request that exists is well-formed, though not yet authorised.
/// Resources that start with `/` are normalised before matching (`aios-cap-v1`): empty and `.` segments are
/// dropped, `..` removes the previous segment and stays at the root, no trailing slash. Anything else is an opaque
/// token compared byte for byte. Whether a tool argument must be an absolute path is the tool catalogue's rule.
public struct AccessRequest: Hashable, Sendable, CustomStringConvertible {
    public let namespace: String
    public let action: String
    /// The resource as given.
    public let resource: String
    let needsNormalization: Bool

    public init(namespace: String, action: String, resource: String) throws(AccessRequestError) {
        let result = withBytes(namespace) { namespace in
            withBytes(action) { action in withBytes(resource) { Self.validate(namespace, action, $0) } }
        }
        switch result {
        case .success(let flag): needsNormalization = flag
        case .failure(let error): throw error
        }
        self.namespace = namespace
        self.action = action
        self.resource = resource
    }

    /// Checks the fields' bytes; on success, says whether the resource needs normalising.
    @inline(__always)
    static func validate(
        _ namespace: UnsafeBufferPointer<UInt8>, _ action: UnsafeBufferPointer<UInt8>,
        _ resource: UnsafeBufferPointer<UInt8>
    ) -> Result<Bool, AccessRequestError> {
        if namespace.isEmpty { return .failure(.emptyField("namespace")) }
        if action.isEmpty { return .failure(.emptyField("action")) }
        if let offset = nulOffset(namespace) { return .failure(.nulByte(field: "namespace", offset: offset)) }
        if let offset = nulOffset(action) { return .failure(.nulByte(field: "action", offset: offset)) }
        let scan = PathScan(resource: resource)
        if let offset = scan.nulOffset { return .failure(.nulByte(field: "resource", offset: offset)) }
        return .success(scan.needsNormalization)
    }

    /// The resource as the matcher sees it.
    public var normalizedResource: String {
        needsNormalization ? PathNormalizer.normalize(resource) : resource
    }

    public var description: String { "\(namespace):\(action):\(normalizedResource)" }
}

public enum AccessRequestError: Error, Hashable, Sendable, CustomStringConvertible {
    case emptyField(String)
    case nulByte(field: String, offset: Int)

    public var description: String {
        switch self {
        case .emptyField(let field): "empty \(field) in request"
        case .nulByte(let field, let offset): "NUL byte in request \(field) at byte \(offset + 1)"
        }
    }
}

@inline(__always)
private func nulOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    for index in bytes.indices where bytes[index] == 0 { return index }
    return nil
}

/// One pass over a resource's bytes: where its first NUL is, and whether lexical normalisation would change it.
struct PathScan {
    var nulOffset: Int? = nil
    var needsNormalization = false

    init(resource bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        let isPath = count > 0 && bytes[0] == UInt8(ascii: "/")
        var segmentStart = 1
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte == 0 {
                nulOffset = index
                return
            }
            if isPath && index > 0 && byte == UInt8(ascii: "/") {
                if PathScan.isRedundant(bytes, segmentStart, index) { needsNormalization = true }
                segmentStart = index + 1
            }
            index += 1
        }
        if isPath && count > 1 && PathScan.isRedundant(bytes, segmentStart, count) { needsNormalization = true }
    }

    /// An empty, `.` or `..` segment: normalisation removes it.
    static func isRedundant(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let length = end - start
        let dot = UInt8(ascii: ".")
        return length == 0 || (length == 1 && bytes[start] == dot)
            || (length == 2 && bytes[start] == dot && bytes[start + 1] == dot)
    }
}
