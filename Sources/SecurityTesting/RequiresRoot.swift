import Foundation
import Testing

extension Trait where Self == ConditionTrait {
    /// The test needs root (a mount namespace, another uid, cgroups). Without root it shows as skipped — except under
    /// CI, where it runs anyway and fails: CI must run it for real.
    public static var requiresRoot: Self {
        .enabled(
            if: geteuid() == 0 || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs root (runs, and fails, under CI without it)")
    }

    /// ``requiresRoot`` saying what the root is for.
    public static func requiresRoot(_ why: String) -> Self {
        .enabled(
            if: geteuid() == 0 || ProcessInfo.processInfo.environment["CI"] != nil,
            "needs root for \(why) (runs, and fails, under CI without it)")
    }
}
