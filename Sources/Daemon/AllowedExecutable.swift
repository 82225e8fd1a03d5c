import Foundation

/// A program `process.spawn` may start: its absolute path and the pattern every argument must match whole. The
/// default pattern admits words, paths, numbers and short options, and none of what a shell line needs (`;`, `|`,
/// `$`, backquotes, spaces); options that make a program run or write something else (`-exec`, `--to-command`,
/// `-fprint`, …) are refused for every program. This narrows what a program is asked to do; the boundary is that
/// it runs inside the calling agent's sandbox, with no more rights than the agent has.
public struct AllowedExecutable: Sendable {
    public let path: String
    public let argumentPattern: String
    private let expression: NSRegularExpressionBox

    public static let defaultArgumentPattern =
        #"[A-Za-z0-9_./:=,@%+][A-Za-z0-9_./:=,@%+-]{0,4095}|-[A-Za-z0-9][A-Za-z0-9_=.,-]{0,63}"#
    /// Options that make a program run another one; refused whatever the pattern says.
    public static let executingOptions: Set<String> = [
        "-exec", "-execdir", "-ok", "-okdir", "--to-command", "--use-compress-program", "--checkpoint-action",
        "--command", "--exec", "--eval", "--rsh", "-fprint", "-fprintf", "-fls", "-delete",
    ]

    public init(path: String, argumentPattern: String = defaultArgumentPattern) throws {
        self.path = path
        self.argumentPattern = argumentPattern
        expression = NSRegularExpressionBox(try NSRegularExpression(pattern: "^(?:\(argumentPattern))$"))
    }

    /// nil when every argument is admitted, else why the first one is not.
    public func refusal(of arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            let shown = argument.count > 64 ? "\(argument.utf8.count) bytes" : "'\(argument)'"
            let head = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if Self.executingOptions.contains(head) {
                return "argument \(index + 1) (\(shown)) makes the program run another one"
            }
            let range = NSRange(argument.startIndex..., in: argument)
            if expression.value.firstMatch(in: argument, range: range) == nil {
                return "argument \(index + 1) (\(shown)) does not match the program's pattern"
            }
        }
        return nil
    }
}

/// NSRegularExpression is immutable once made and safe to share.
private struct NSRegularExpressionBox: @unchecked Sendable {
    let value: NSRegularExpression
    init(_ value: NSRegularExpression) { self.value = value }
}
