import Foundation

/// The block device under a path, as cgroup I/O limits name it: `MAJ:MIN` of the whole disk (the kernel refuses
/// throttling rules on partitions). Filesystems without a block device (tmpfs, proc) have none.
public enum BlockDevice {
    public static func wholeDisk(under path: String, sysfs: String = "/sys/dev/block") -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        // glibc's major()/minor() are macros Swift cannot call; the same bit layout.
        let raw = UInt64(status.st_dev)
        let major = ((raw >> 8) & 0xFFF) | ((raw >> 32) & ~UInt64(0xFFF))
        let minor = (raw & 0xFF) | ((raw >> 12) & ~UInt64(0xFF))
        guard major != 0 else { return nil }
        let device = "\(major):\(minor)"
        let entry = sysfs + "/" + device
        guard FileManager.default.fileExists(atPath: entry) else { return nil }
        // A partition's sysfs entry sits inside its disk's: the disk's `dev` names it.
        guard FileManager.default.fileExists(atPath: entry + "/partition") else { return device }
        let parent = (try? String(contentsOfFile: entry + "/../dev", encoding: .utf8)) ?? ""
        let trimmed = parent.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The distinct whole disks under these paths.
    public static func wholeDisks(under paths: [String]) -> [String] {
        Array(Set(paths.compactMap { wholeDisk(under: $0) })).sorted()
    }
}
