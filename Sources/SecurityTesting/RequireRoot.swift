import Foundation
import Testing

/// Tests that need root (another uid, cgroups, namespaces) call this first. Without root the test is skipped with
/// a printed reason, except under CI, where it is recorded as a failure: CI must run it for real.
public func requireRoot(_ why: String) -> Bool {
    if geteuid() == 0 { return true }
    if ProcessInfo.processInfo.environment["CI"] != nil {
        Issue.record("needs root: \(why)")
    } else {
        print("skipped (needs root): \(why)")
    }
    return false
}
