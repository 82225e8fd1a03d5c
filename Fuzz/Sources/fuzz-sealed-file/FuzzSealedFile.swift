import Secrets

/// Feeds arbitrary bytes to the sealed-file reader (with a fixed key file, so authentication can succeed only for
/// files sealed with it) and to the `secrets seal` input parser. Properties: no crash; errors never echo input.
public func fuzzSealedFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let opened = try? SealedFile.open(bytes, with: key), opened.count > 1_000_000 { fatalError("impossible count") }
    _ = try? SecretsInput.parse(&bytes)
    return 0
}

private let key: KeyFileKey = {
    var material = [UInt8](repeating: 7, count: 32)
    return try! KeyFileKey(material: SecretBytes(consuming: &material))
}()
