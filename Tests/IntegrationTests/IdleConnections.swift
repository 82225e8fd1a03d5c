import Foundation

/// Idle TCP connections held by a helper process (Fixtures/idle-connections.py): a process may hold only as many
/// descriptors as its hard limit allows, and raising that needs CAP_SYS_RESOURCE, so the flood is spread over
/// several helpers.
final class IdleConnections {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    /// Returns once `count` connections from `sources` (in turn) to 127.0.0.1:`port` are open.
    init(count: Int, sources: [String], port: UInt16) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [BinaryRunner.fixture("idle-connections.py"), "\(port)", "\(count)"] + sources
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = readLine()
        guard line == "open \(count)" else { throw POSIXError(.EMFILE) }
    }

    /// How many of the connections the daemon has closed, waiting up to `seconds` for all of them.
    func closedByPeer(waiting seconds: Int) throws -> Int {
        input.fileHandleForWriting.write(Data("check \(seconds)\n".utf8))
        let report = try JSONSerialization.jsonObject(with: Data(readLine().utf8)) as? [String: Int]
        return report?["closed"] ?? 0
    }

    func close() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    private func readLine() -> String {
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }
}
