import Foundation

/// A real, signed apt repository built for a test (dpkg-deb, apt-ftparchive, a throw-away GPG key) and served on
/// loopback by Python's HTTP server; removed, and its server ended, when released.
public final class LocalAptRepository: @unchecked Sendable {
    /// One package to build: its control fields, files (path → content, mode) and maintainer scripts.
    public struct Package: Sendable {
        public var name: String
        public var version: String
        public var depends: [String]
        public var files: [String: (content: String, mode: Int)]
        public var scripts: [String: String]

        public init(
            _ name: String, version: String = "1.0", depends: [String] = [],
            files: [String: (content: String, mode: Int)] = [:], scripts: [String: String] = [:]
        ) {
            self.name = name
            self.version = version
            self.depends = depends
            self.files = files.isEmpty ? ["/usr/share/\(name)/README": ("\(name) \(version)\n", 0o644)] : files
            self.scripts = scripts
        }
    }

    /// How `InRelease` comes out.
    public enum Signing: Sendable {
        /// Signed by ``keyring``'s key.
        case ownKey
        /// Signed by a second key that ``keyring`` does not hold.
        case otherKey
        /// No `InRelease`, only `Release`.
        case unsigned
    }

    public let directory: String
    /// The repository's public key (binary OpenPGP), what a policy's `key:` names.
    public let keyring: String
    public let suite = "stable"
    private var server: LoopbackHTTPServer?
    public var uri: String { server?.uri ?? "" }

    /// `corrupt`: packages whose archive is changed after the index was made (same size, another hash).
    public init(packages: [Package], signing: Signing = .ownKey, corrupt: Set<String> = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("aios-apt-\(UUID().uuidString)").path
        keyring = directory + "/repository.gpg"
        let repository = directory + "/repo"
        let pool = repository + "/pool/main"
        try FileManager.default.createDirectory(atPath: pool, withIntermediateDirectories: true)
        for package in packages { try Self.build(package, into: pool, scratch: directory + "/build") }
        let dists = repository + "/dists/\(suite)"
        for architecture in ["amd64", "all"] {
            let list = dists + "/main/binary-\(architecture)"
            try FileManager.default.createDirectory(atPath: list, withIntermediateDirectories: true)
            try Self.run(["apt-ftparchive", "packages", "pool"], in: repository, output: list + "/Packages")
        }
        try Self.run(
            [
                "apt-ftparchive", "-o", "APT::FTPArchive::Release::Origin=AiosTest", "-o",
                "APT::FTPArchive::Release::Suite=\(suite)", "-o", "APT::FTPArchive::Release::Components=main", "-o",
                "APT::FTPArchive::Release::Architectures=amd64 all", "release", "dists/\(suite)",
            ], in: repository, output: directory + "/Release")
        try FileManager.default.moveItem(atPath: directory + "/Release", toPath: dists + "/Release")
        let home = directory + "/gnupg"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        chmod(home, 0o700)
        try Self.gpg(home, ["--quick-gen-key", "aios test repository <repo@example.org>", "ed25519", "sign", "never"])
        try Self.gpg(home, ["--quick-gen-key", "aios other key <other@example.org>", "ed25519", "sign", "never"])
        try Self.gpg(home, ["--output", keyring, "--export", "repo@example.org"])
        switch signing {
        case .ownKey, .otherKey:
            let signer = signing == .ownKey ? "repo@example.org" : "other@example.org"
            try Self.gpg(
                home, ["--local-user", signer, "--output", dists + "/InRelease", "--clearsign", dists + "/Release"])
        case .unsigned: break
        }
        for name in corrupt {
            let archives = try FileManager.default.contentsOfDirectory(atPath: pool).filter { $0.hasPrefix(name + "_") }
            for archive in archives {
                let handle = try FileHandle(forUpdating: URL(fileURLWithPath: pool + "/" + archive))
                // Same size, other bytes: only the hash can tell.
                try handle.seek(toOffset: try handle.seekToEnd() - 8)
                try handle.write(contentsOf: Data("tampered".utf8))
                try handle.close()
            }
        }
        server = try LoopbackHTTPServer(serving: repository)
    }

    private static func build(_ package: Package, into pool: String, scratch: String) throws {
        let root = scratch + "/\(package.name)"
        try FileManager.default.createDirectory(atPath: root + "/DEBIAN", withIntermediateDirectories: true)
        var control = "Package: \(package.name)\nVersion: \(package.version)\nArchitecture: all\n"
        control += "Maintainer: aiOS tests <tests@example.org>\nDescription: a package built by a test\n"
        if !package.depends.isEmpty { control += "Depends: \(package.depends.joined(separator: ", "))\n" }
        try control.write(toFile: root + "/DEBIAN/control", atomically: true, encoding: .utf8)
        for (name, text) in package.scripts {
            try text.write(toFile: root + "/DEBIAN/\(name)", atomically: true, encoding: .utf8)
            chmod(root + "/DEBIAN/\(name)", 0o755)
        }
        for (path, file) in package.files {
            let target = root + path
            try FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try file.content.write(toFile: target, atomically: true, encoding: .utf8)
            chmod(target, mode_t(file.mode))
        }
        try run(
            ["dpkg-deb", "--root-owner-group", "--build", root, pool + "/\(package.name)_\(package.version)_all.deb"],
            in: scratch, output: nil)
    }

    private static func gpg(_ home: String, _ arguments: [String]) throws {
        try run(
            ["gpg", "--homedir", home, "--batch", "--yes", "--quiet", "--passphrase", ""] + arguments,
            in: home, output: nil)
    }

    static func run(_ command: [String], in directory: String, output: String?) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        let errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RepositoryError("\(command[0]) failed: \(String(decoding: complaint, as: UTF8.self))")
        }
        if let output { try data.write(to: URL(fileURLWithPath: output)) }
    }

    /// An empty dpkg database to install into, so that tests never change the machine's own packages.
    public static func makeInstallRoot() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aios-root-\(UUID().uuidString)").path
        for directory in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "var/log"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        for file in ["var/lib/dpkg/status", "var/lib/dpkg/available"] {
            FileManager.default.createFile(atPath: root + "/" + file, contents: Data())
        }
        return root
    }

    public struct RepositoryError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    deinit {
        server = nil
        try? Self.run(["gpgconf", "--homedir", directory + "/gnupg", "--kill", "all"], in: directory, output: nil)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
