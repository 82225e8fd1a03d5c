import Foundation

/// Where the running console listens, written by the daemon into `STATE/console/address` when it starts, so that
/// `aios-sec console login` prints a link to the right port.
public enum ConsoleAddress {
    static func path(stateDirectory: String) -> String { stateDirectory + "/console/address" }

    public static func write(_ address: String, stateDirectory: String) throws(ConsoleError) {
        let directory = stateDirectory + "/console"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try Data((address + "\n").utf8).write(
                to: URL(fileURLWithPath: path(stateDirectory: stateDirectory)), options: .atomic)
        } catch {
            throw ConsoleError.io("cannot write \(directory)/address: \(error.localizedDescription)")
        }
    }

    public static func read(stateDirectory: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(stateDirectory: stateDirectory)) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
