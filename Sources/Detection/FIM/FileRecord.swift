import Crypto
import Policy

/// What the file system held at one path when it was scanned: the attributes every rule may compare. Paths are
/// bytes (a Linux file name is any bytes but `/` and NUL, UTF-8 or not).
public struct FileRecord: Sendable, Equatable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        case regular = 1, directory, symlink, fifo, socket, characterDevice, blockDevice

        public var name: String {
            switch self {
            case .regular: "file"
            case .directory: "directory"
            case .symlink: "symlink"
            case .fifo: "fifo"
            case .socket: "socket"
            case .characterDevice: "character device"
            case .blockDevice: "block device"
            }
        }
    }

    public var path: [UInt8]
    public var kind: Kind
    /// `st_mode & 0o7777`: permissions with setuid, setgid and sticky.
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var size: Int64
    public var device: UInt64
    public var inode: UInt64
    public var links: UInt64
    public var mtimeNanoseconds: Int64
    /// The device number of a character or block device.
    public var rdev: UInt64
    /// A symlink's target, as stored (never followed).
    public var target: [UInt8]?
    /// SHA-256 of a regular file's bytes; nil for other kinds and for files over the watch's `max_size`.
    public var digest: [UInt8]?
    /// SHA-256 over the extended attributes but `security.capability` (name, value pairs in name order); nil when
    /// there are none.
    public var xattrs: [UInt8]?
    /// The raw `security.capability` value.
    public var capabilities: [UInt8]?
    /// The rules of the watch this path belongs to.
    public var rules: FileRules

    public static let setuid: UInt32 = 0o4000
    public static let setgid: UInt32 = 0o2000

    /// Feeds every field, length-prefixed, into the baseline's signed digest (a change to any byte of any record
    /// changes it).
    func canonicalize(into hasher: inout SHA256) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + path.count)
        Self.append(path, to: &bytes)
        bytes.append(kind.rawValue)
        for value in [UInt64(mode), UInt64(uid), UInt64(gid), UInt64(bitPattern: size), device, inode, links] {
            Self.append(value, to: &bytes)
        }
        Self.append(UInt64(bitPattern: mtimeNanoseconds), to: &bytes)
        Self.append(rdev, to: &bytes)
        for optional in [target, digest, xattrs, capabilities] {
            if let optional {
                bytes.append(1)
                Self.append(optional, to: &bytes)
            } else {
                bytes.append(0)
            }
        }
        Self.append(UInt64(rules.rawValue), to: &bytes)
        hasher.update(data: bytes)
    }

    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    static func append(_ data: [UInt8], to bytes: inout [UInt8]) {
        append(UInt64(data.count), to: &bytes)
        bytes.append(contentsOf: data)
    }
}

/// Paths as printed: printable ASCII as is; a backslash, control bytes, and bytes of invalid or non-ASCII UTF-8 as
/// `\n`, `\t`, `\\` or `\xNN`. A name with a newline cannot forge a second report line, and two different names
/// never print the same.
public enum EscapedPath {
    public static func text(_ bytes: [UInt8]) -> String {
        var out = ""
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\t"): out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: out += "\\x" + String(byte, radix: 16, uppercase: false).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
