import Foundation

/// The project's task base image, built on the machine (no registry is reachable, none is needed): a static
/// busybox with its applets, the mount points a user-namespaced runc cannot create itself, and accounts for root
/// and nobody — imported as ``baseName``. `scripts/build-task-image.sh` builds the same from a shell.
public enum TaskImage {
    public static let baseName = "localhost/aios-task-base:latest"
    public static let defaultBusybox = "/bin/busybox"

    /// Writes the base root filesystem into `directory` (created if missing). Usable as a `--rootfs` as it is.
    public static func buildRootfs(at directory: String, busybox: String = defaultBusybox) throws(TaskError) {
        guard isStaticExecutable(busybox) else {
            throw .unavailable("\(busybox) is missing or not a static executable (install busybox-static)")
        }
        let applets = try listApplets(busybox)
        let files = FileManager.default
        do {
            for folder in ["bin", "dev", "etc", "proc", "root", "run", "sys", "tmp", "usr"] {
                try files.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
                chmod(directory + "/" + folder, folder == "tmp" ? 0o1777 : folder == "root" ? 0o700 : 0o755)
            }
            chmod(directory, 0o755)
            try? files.removeItem(atPath: directory + "/bin/busybox")
            try files.copyItem(atPath: busybox, toPath: directory + "/bin/busybox")
            chmod(directory + "/bin/busybox", 0o755)
            for applet in applets where applet != "busybox" && !applet.contains("/") {
                try? files.removeItem(atPath: directory + "/bin/" + applet)
                try files.createSymbolicLink(atPath: directory + "/bin/" + applet, withDestinationPath: "busybox")
            }
            for (link, target) in [
                ("sbin", "bin"), ("usr/bin", "../bin"), ("usr/sbin", "../bin"), ("etc/mtab", "/proc/mounts"),
            ] {
                try? files.removeItem(atPath: directory + "/" + link)
                try files.createSymbolicLink(atPath: directory + "/" + link, withDestinationPath: target)
            }
            let etc: [(String, String)] = [
                ("passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
                ("group", "root:x:0:\nnogroup:x:65534:\n"),
                ("hosts", "127.0.0.1 localhost\n::1 localhost\n"), ("hostname", "task\n"), ("resolv.conf", ""),
            ]
            for (name, text) in etc {
                try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/etc/" + name))
                chmod(directory + "/etc/" + name, 0o644)
            }
        } catch {
            throw .image("cannot write the rootfs in \(directory): \(error)")
        }
    }

    /// Builds and imports the base image unless podman already has it; true when it was built now.
    @discardableResult
    public static func ensureBase(
        podman: TaskPodman, name: String = baseName, busybox: String = defaultBusybox
    ) throws(TaskError) -> Bool {
        try TaskSpec.checkImageName(name)
        if try podman.call(["image", "exists", name]).status == 0 { return false }
        let directory = FileManager.default.temporaryDirectory.path + "/aios-task-rootfs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try buildRootfs(at: directory, busybox: busybox)
        try importRootfs(directory, as: name, podman: podman)
        return true
    }

    /// `tar -C DIRECTORY -c . | podman import - NAME`, owners recorded as 0.
    public static func importRootfs(_ directory: String, as name: String, podman: TaskPodman) throws(TaskError) {
        guard let tarPath = ["/usr/bin/tar", "/bin/tar"].first(where: { (path: String) in access(path, X_OK) == 0 })
        else {
            throw .unavailable("tar not found")
        }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: tarPath)
        tar.arguments = ["--numeric-owner", "--owner=0", "--group=0", "-C", directory, "-cf", "-", "."]
        let pipe = Pipe()
        tar.standardOutput = pipe
        tar.standardInput = FileHandle.nullDevice
        do {
            try tar.run()
        } catch {
            throw .unavailable("cannot start tar: \(error)")
        }
        try? pipe.fileHandleForWriting.close()
        let imported = try podman.call(
            ["import", "--message", "aiOS task base (busybox-static)", "-", name], input: pipe.fileHandleForReading)
        tar.waitUntilExit()
        guard tar.terminationStatus == 0, imported.status == 0 else {
            throw .image("importing \(directory) as \(name) failed: \(imported.error)")
        }
    }

    private static func listApplets(_ busybox: String) throws(TaskError) -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: busybox)
        process.arguments = ["--list"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .unavailable("cannot run \(busybox) --list: \(error)")
        }
        try? pipe.fileHandleForWriting.close()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let applets = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard process.terminationStatus == 0, applets.contains("sh") else {
            throw .unavailable("\(busybox) --list did not list its applets")
        }
        return applets
    }

    /// A 64-bit little-endian ELF file without a program interpreter (PT_INTERP): it runs in a root that has no libc.
    static func isStaticExecutable(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path), let header = try? handle.read(upToCount: 4096),
            header.count >= 64, header.starts(with: [0x7F, 0x45, 0x4C, 0x46]), header[4] == 2, header[5] == 1
        else { return false }
        try? handle.close()
        let bytes = [UInt8](header)
        func integer(_ offset: Int, _ size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        let (table, entrySize, entries) = (integer(0x20, 8), integer(0x36, 2), integer(0x38, 2))
        for index in 0..<entries {
            let offset = table + index * entrySize
            guard offset + 4 <= bytes.count else { return false }
            if integer(offset, 4) == 3 { return false }
        }
        return true
    }
}
