import Foundation

/// Removes a test's cgroup folder `name` (directly below the cgroup root) wherever it was made: under the unified
/// hierarchy, and under each controller of cgroup v1. Only empty folders go (rmdir); a folder still in use stays.
public func removeTestCgroup(_ name: String) {
    let root = "/sys/fs/cgroup"
    rmdir(root + "/" + name)
    for controller in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
        rmdir(root + "/" + controller + "/" + name)
    }
}
