import Foundation

extension TaskSpec {
    /// What a `--rootfs` directory must already hold. With a uid map, runc prepares the mounts from inside the
    /// user namespace, where the host-root-owned directory is read-only to it: it cannot create a missing mount
    /// point, and podman's error ("mkdir …: permission denied") does not say why.
    public static let rootfsDirectories = ["proc", "dev", "sys", "tmp", "run", "etc"]
    public static let rootfsFiles = ["etc/hosts", "etc/hostname"]
    /// Needed too when the network is on (podman mounts its resolver file there).
    public static let rootfsNetworkFiles = ["etc/resolv.conf"]

    /// Checks every field and returns the spec with a rootfs path made absolute and free of symlinks (the path
    /// podman gets is the one that was checked). Each error names the field and what is wrong.
    public func validated(hostCPUs: Int = ProcessInfo.processInfo.activeProcessorCount) throws(TaskError) -> TaskSpec {
        var spec = self
        try checkCommand()
        try checkLimits(hostCPUs: hostCPUs)
        switch root {
        case .image(let name): try Self.checkImageName(name)
        case .rootfs(let path): spec.root = .rootfs(try checkRootfs(path))
        }
        return spec
    }

    private func checkCommand() throws(TaskError) {
        guard let first = command.first, !first.isEmpty else { throw .invalidSpec("no command to run") }
        guard !command.contains(where: { $0.utf8.contains(0) }) else {
            throw .invalidSpec("the command contains a NUL byte")
        }
    }

    private func checkLimits(hostCPUs: Int) throws(TaskError) {
        guard memoryBytes >= Self.minimumMemory else {
            throw .invalidSpec("memory \(memoryBytes) bytes: at least 6 MiB (podman's minimum)")
        }
        guard cpus.isFinite, cpus >= 0.01, cpus <= Double(max(hostCPUs, 1)) else {
            throw .invalidSpec("cpus \(cpus): from 0.01 to the \(hostCPUs) this host has")
        }
        // podman reads 0 and -1 as "no limit": never accepted here.
        guard pids >= 1 else { throw .invalidSpec("pids \(pids): at least 1 (there is no unlimited)") }
        guard timeout > .zero else { throw .invalidSpec("timeout \(timeout): must be positive") }
        guard nofile >= 1, nofile <= 1 << 20 else { throw .invalidSpec("nofile \(nofile): from 1 to 1048576") }
        guard nproc >= 1 else { throw .invalidSpec("nproc \(nproc): at least 1") }
        // tmpfs reads size=0 as "no limit".
        guard scratchBytes >= 4096 else { throw .invalidSpec("scratch \(scratchBytes) bytes: at least 4 KiB") }
        guard outputLimit >= 0 else { throw .invalidSpec("output limit \(outputLimit): must not be negative") }
        let range = userNamespace
        guard range.hostBase >= 1 else {
            throw .invalidSpec("uid map to host uid 0: the task's root would be the host's root")
        }
        guard range.size >= 1, UInt64(range.hostBase) + UInt64(range.size) <= UInt64(UInt32.max) else {
            throw .invalidSpec("uid map \(range.mapping): the range must be non-empty and end below 4294967295")
        }
    }

    /// A local image reference: `[host[:port]/]name[/name…][:tag][@sha256:HEX]`, names in lower case with `.`,
    /// `_`, `-` between letters and digits. Anything else (spaces, shell characters, a leading `-` that podman
    /// would read as an option) is refused.
    static func checkImageName(_ name: String) throws(TaskError) {
        func refuse(_ why: String) -> TaskError { .invalidSpec("image name '\(name)': \(why)") }
        guard !name.isEmpty, name.utf8.count <= 255 else { throw refuse("must be 1 to 255 characters") }
        guard name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw refuse("only printable ASCII without spaces")
        }
        var rest = Substring(name)
        if let at = rest.firstIndex(of: "@") {
            let digest = rest[rest.index(after: at)...]
            guard digest.hasPrefix("sha256:"), digest.dropFirst(7).count == 64,
                digest.dropFirst(7).allSatisfy({ $0.isHexDigit && !$0.isUppercase })
            else { throw refuse("a digest is @sha256: and 64 lower-case hex digits") }
            rest = rest[..<at]
        }
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let tag = rest[rest.index(after: colon)...]
            guard let first = tag.first, first != ".", first != "-", tag.count <= 128,
                tag.allSatisfy({ $0.isLetter || $0.isNumber || "_.-".contains($0) })
            else { throw refuse("a tag is 1 to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'") }
            rest = rest[..<colon]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false)
        if components.count > 1, let host = components.first,
            host.contains(".") || host.contains(":") || host == "localhost"
        {
            let parts = host.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, let hostName = parts.first, isNameComponent(hostName.lowercased()[...]),
                parts.count == 1 || (parts[1].allSatisfy(\.isNumber) && !parts[1].isEmpty)
            else { throw refuse("'\(host)' is not a host[:port]") }
            components.removeFirst()
        }
        for component in components where !isNameComponent(component) {
            throw refuse("'\(component)' is not a name (lower-case letters and digits, '.', '_', '-' between them)")
        }
    }

    private static func isNameComponent(_ text: Substring) -> Bool {
        guard let first = text.first, let last = text.last else { return false }
        func alphanumeric(_ character: Character) -> Bool {
            character.isASCII && (character.isLowercase || character.isNumber)
        }
        return alphanumeric(first) && alphanumeric(last)
            && text.allSatisfy { alphanumeric($0) || "._-".contains($0) }
    }

    private func checkRootfs(_ path: String) throws(TaskError) -> String {
        guard !path.isEmpty else { throw .invalidSpec("rootfs: an empty path") }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        guard let resolvedPointer = realpath(absolute, nil) else {
            throw .invalidSpec("rootfs \(path): \(String(cString: strerror(errno)))")
        }
        let resolved = String(cString: resolvedPointer)
        free(resolvedPointer)
        // podman reads `DIR:O` and `DIR:idmap` suffixes; a comma would split mount options.
        guard !resolved.contains(":"), !resolved.contains(","), resolved != "/" else {
            throw .invalidSpec("rootfs \(resolved): a path with ':' or ',' (or / itself) is not accepted")
        }
        guard Self.kind(of: resolved) == S_IFDIR else { throw .invalidSpec("rootfs \(resolved): not a directory") }
        var missing: [String] = []
        for directory in Self.rootfsDirectories where Self.kind(of: resolved + "/" + directory) != S_IFDIR {
            missing.append(directory + "/")
        }
        for file in Self.rootfsFiles + (network ? Self.rootfsNetworkFiles : [])
        where Self.kind(of: resolved + "/" + file) != S_IFREG {
            missing.append(file)
        }
        guard missing.isEmpty else {
            throw .invalidSpec(
                "rootfs \(resolved): missing mount points \(missing.joined(separator: ", ")) (real directories and "
                    + "files, not symlinks; empty files are fine): in the task's user namespace they cannot be "
                    + "created — see docs/tasks.md")
        }
        return resolved
    }

    /// The file type bits of `path` itself (a symlink is a symlink), or nil when it does not exist.
    private static func kind(of path: String) -> mode_t? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT
    }
}
