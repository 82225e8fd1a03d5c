import ArgumentParser

/// The exit codes every command keeps (sysexits), in one place.
enum ExitStatus {
    static let denied = ExitCode(1)
    static let usage = ExitCode(64)
    static let dataError = ExitCode(65)
    static let unavailable = ExitCode(69)
    static let software = ExitCode(70)
    static let noPermission = ExitCode(77)
}
