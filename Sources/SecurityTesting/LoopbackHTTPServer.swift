import Foundation

/// A directory served on a free loopback port by Python's HTTP server; ended when released.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public let port: UInt16
    public var uri: String { "http://127.0.0.1:\(port)" }
    private let process = Process()

    public init(serving root: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains(") ...") {
            let chunk = pipe.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw LocalAptRepository.RepositoryError("the HTTP server ended: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: #"port (\d+)"#, options: .regularExpression),
            let port = UInt16(text[range].dropFirst(5))
        else { throw LocalAptRepository.RepositoryError("no port in: \(text)") }
        self.port = port
    }

    deinit {
        // SIGKILL: a child inherits the test process's blocked signals, SIGTERM among them.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A PEP 503 simple index of wheels built for a test (a module each), served on loopback.
public final class LocalPythonIndex: @unchecked Sendable {
    public let directory: String
    private var server: LoopbackHTTPServer?
    /// The index's address (`…/simple`).
    public var index: String { (server?.uri ?? "") + "/simple" }

    /// `wrongHash`: projects whose listed hash is not their file's.
    public init(projects: [(name: String, version: String)], wrongHash: Set<String> = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-pypi-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/files", withIntermediateDirectories: true)
        for project in projects {
            let module = project.name.replacingOccurrences(of: "-", with: "_")
            let wheel = "\(module)-\(project.version)-py3-none-any.whl"
            try LocalAptRepository.run(
                ["python3", "-c", Self.wheelScript, directory + "/files/" + wheel, module, project.version],
                in: directory, output: nil)
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/files/" + wheel))
            var hash = Self.sha256(data)
            if wrongHash.contains(project.name) { hash = String(hash.reversed()) }
            let page = directory + "/simple/\(project.name)"
            try FileManager.default.createDirectory(atPath: page, withIntermediateDirectories: true)
            try "<html><body><a href=\"../../files/\(wheel)#sha256=\(hash)\">\(wheel)</a></body></html>\n".write(
                toFile: page + "/index.html", atomically: true, encoding: .utf8)
        }
        server = try LoopbackHTTPServer(serving: directory)
    }

    /// A wheel of one module `NAME` holding `VERSION`: `python3 -c SCRIPT FILE NAME VERSION`.
    static let wheelScript = #"""
        import sys, zipfile, hashlib, base64
        path, name, version = sys.argv[1:4]
        info = f"{name}-{version}.dist-info"
        files = {
            f"{name}.py": f"VERSION = {version!r}\n",
            f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: aios-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        }
        record = ""
        for file, text in files.items():
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            record += f"{file},sha256={digest},{len(text.encode())}\n"
        files[f"{info}/RECORD"] = record + f"{info}/RECORD,,\n"
        with zipfile.ZipFile(path, "w") as archive:
            for file, text in files.items():
                archive.writestr(zipfile.ZipInfo(file, (2020, 1, 1, 0, 0, 0)), text)
        """#

    private static func sha256(_ data: Data) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(data)
        try? input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }

    /// A new virtual environment (Debian's interpreter) to install into.
    public static func makeEnvironment() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aios-venv-\(UUID().uuidString)").path
        try LocalAptRepository.run(["/usr/bin/python3", "-m", "venv", path], in: "/", output: nil)
        return path
    }

    deinit {
        server = nil
        try? FileManager.default.removeItem(atPath: directory)
    }
}
