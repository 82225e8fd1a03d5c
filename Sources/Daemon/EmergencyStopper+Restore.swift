import Capabilities
import Emergency
import Foundation
import ServiceLifecycle

extension EmergencyStopper {
    /// At start: manual mode comes back from the state file (a stop before a restart or a reboot) or from the
    /// kernel command line (`aios.mode=manual`); otherwise the agents' parent cgroup is thawed, so that a freeze left
    /// behind cannot freeze the agents this daemon starts.
    public func restoreAtStart(kernelCommandLine: KernelCommandLine?) async {
        switch machinery.stateFile?.read() ?? .autonomous {
        case .manual(let record):
            if record.auditID == nil {
                // Written by `aios-sec estop` or `recovery` while no daemon answered: this is where it is recorded.
                await adopt(record)
            } else {
                core.emergency.halt(record)
                machinery.hold?.engage("manual mode since \(record.since) (emergency stop by \(record.by))")
                await core.recordOrReport(EmergencyAudit.startedInManualMode(record, source: "the manual-mode file"))
            }
            // Agents a previous daemon left behind run unsupervised (frozen, at best): they end now.
            if let tree = machinery.agentTree, tree.exists, !tree.groups.isEmpty {
                await killAgents(reason: "left behind by the previous daemon; found at start in manual mode")
            }
        case .autonomous:
            if kernelCommandLine?.requestsManualMode == true {
                _ = await stop(
                    by: .operator("kernel"), name: "kernel command line",
                    reason: "booted with \(KernelCommandLine.manualModeParameter)")
            } else {
                try? machinery.agentTree?.thawAll()
            }
        }
    }

    /// Stops the system for a record someone else wrote, unless that stop is the current one or was resumed.
    func adopt(_ record: ManualModeRecord) async {
        guard core.emergency.record?.id != record.id, !resolvedStops.withLock({ $0.contains(record.id) }) else {
            return
        }
        _ = await stop(by: .operator("root"), name: record.by, reason: record.reason, adopting: record)
    }
}

/// Honours a manual-mode file that appears while the daemon runs (`aios-sec estop` when the RPC did not get
/// through, for example because the daemon was hung): read four times a second.
struct ManualModeWatch: Service {
    let stopper: EmergencyStopper

    func run() async throws {
        guard let file = stopper.machinery.stateFile else { return }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if case .manual(let record) = file.read() { await stopper.adopt(record) }
            await pause(.milliseconds(250))
        }
    }
}
