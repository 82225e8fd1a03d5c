import Foundation

/// The kernel's command line (`/proc/cmdline`). `aios.mode=manual` boots the system in manual mode: the daemon
/// starts with the Gate closed and no agent running, as after an emergency stop.
public struct KernelCommandLine: Sendable {
    public static let manualModeParameter = "aios.mode=manual"

    public let words: [String]

    public init(text: String) {
        words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
    }

    /// Reads the file; nil when it cannot be read (a system without /proc).
    public init?(path: String = "/proc/cmdline") {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        self.init(text: text)
    }

    public var requestsManualMode: Bool { words.contains(Self.manualModeParameter) }
}
