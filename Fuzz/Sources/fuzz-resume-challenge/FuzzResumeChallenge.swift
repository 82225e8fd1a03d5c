import Emergency
import Policy

/// What `Resume` reads from its caller before any signature is checked: the challenge text (even first byte); and
/// an operator's SSH public key line as the policy loader reads it (odd). Properties: an accepted challenge is
/// exactly its own canonical text; an accepted key prints to a line that parses back to the same key.
public func fuzzResumeChallenge(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    if data[0] % 2 == 0 {
        if let challenge = try? ResumeChallenge(parsing: text), challenge.text != text {
            fatalError("an accepted challenge is not its canonical text")
        }
    } else if let key = try? SSHPublicKey(parsing: text) {
        guard let again = try? SSHPublicKey(parsing: key.description), again.blob == key.blob, again.type == key.type
        else { fatalError("key \(key) does not round-trip") }
    }
    return 0
}
