import Crypto
import Detection
import Guard

/// The first byte picks. Even: the rest as an exported risk model (`RiskModel(json:)`); an accepted model scores a
/// zero vector, an all-maximum vector and vectors made of the input's own bytes, each to a value in [0, 1]. Odd:
/// the rest as a model manifest (`ModelManifest.parse`); an accepted manifest writes JSON that parses back to
/// itself, and checking its signature against a fixed pinned key never crashes and never accepts (the key signed
/// nothing here).
public func fuzzModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 == 0 {
        guard let model = try? RiskModel(json: bytes) else { return 0 }
        for vector in vectors(from: bytes) {
            let score = model.score(WindowFeatures(values: vector))
            guard score >= 0, score <= 1 else { fatalError("score \(score) outside [0, 1] for \(vector)") }
        }
    } else {
        guard let manifest = try? ModelManifest.parse(bytes) else { return 0 }
        guard let again = try? ModelManifest.parse(manifest.json), again == manifest else {
            fatalError("a manifest's JSON does not parse back to it")
        }
        if (try? manifest.verifySignature(pinned: [pinned])) != nil {
            fatalError("a signature verified with a key that signed nothing")
        }
    }
    return 0
}

private let pinned = Curve25519.Signing.PrivateKey().publicKey

/// Finite vectors: zeros, the largest finite values, and the input's bytes read eight at a time as doubles.
private func vectors(from bytes: [UInt8]) -> [[Double]] {
    let count = WindowFeatures.names.count
    var result = [[Double](repeating: 0, count: count), [Double](repeating: .greatestFiniteMagnitude, count: count)]
    var vector: [Double] = []
    var index = 0
    while index + 8 <= bytes.count, result.count < 6 {
        var bits: UInt64 = 0
        for offset in 0..<8 { bits |= UInt64(bytes[index + offset]) << (8 * offset) }
        let value = Double(bitPattern: bits)
        vector.append(value.isFinite ? value : Double(bits % 1000))
        if vector.count == count {
            result.append(vector)
            vector = []
        }
        index += 8
    }
    return result
}
