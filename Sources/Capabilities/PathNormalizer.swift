/// Lexical normalisation of absolute paths (`aios-cap-v1`). No filesystem access, no symlinks, no case folding,
/// no percent-decoding: `/etc/../root/x` becomes `/root/x`; the kernel-level confinement of later layers is what
/// stops symlink tricks.
public enum PathNormalizer {
    /// Normalises `path` if it starts with `/`; returns anything else unchanged.
    public static func normalize(_ path: String) -> String {
        guard path.utf8.first == UInt8(ascii: "/") else { return path }
        var copy = path
        return copy.withUTF8 { input in
            String(unsafeUninitializedCapacity: input.count) { output in
                normalize(input, into: output)
            }
        }
    }

    /// Writes the normalised form of `input` (which starts with `/`) into `output` (at least `input.count` bytes)
    /// and returns its length. Normalisation never makes a path longer.
    @inline(__always)
    static func normalize(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        let count = input.count
        var length = 0
        var index = 0
        while index < count {
            while index < count && input[index] == slash { index += 1 }
            if index == count { break }
            let start = index
            while index < count && input[index] != slash { index += 1 }
            let segment = index - start
            if segment == 1 && input[start] == dot { continue }
            if segment == 2 && input[start] == dot && input[start + 1] == dot {
                while length > 0 {
                    length -= 1
                    if output[length] == slash { break }
                }
                continue
            }
            output[length] = slash
            length += 1
            for offset in 0..<segment { output[length + offset] = input[start + offset] }
            length += segment
        }
        if length == 0 {
            output[0] = slash
            length = 1
        }
        return length
    }
}
