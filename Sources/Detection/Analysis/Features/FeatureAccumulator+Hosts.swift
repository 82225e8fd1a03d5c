import Audit
import Capabilities

/// Processes, files and alerts.
extension FeatureAccumulator {
    mutating func process(_ entry: AuditEntry, _ details: JSONValue) {
        let action = entry.action.utf8
        if FeatureText.equal(action, "process.fork") {
            count(.procFork)
            return
        }
        if FeatureText.equal(action, "process.uid") {
            if let after = details["euid"]?.featureNumber, after == 0,
                let before = details["euid_before"]?.featureNumber,
                before != 0
            {
                count(.procUIDToRoot)
            }
            return
        }
        let program: String
        if entry.eventType == .humanCommand {
            count(.humanCommands)
            program = details["program"]?.nonEmptyString ?? ""
        } else if FeatureText.equal(action, "process.exec") {
            program = details["exe"]?.nonEmptyString ?? entry.target
        } else {
            return
        }
        count(.procExec)
        programs.add(ExactText(program))
        let name = FeatureText.basename(program)
        if FeatureVocabulary.contains(FeatureVocabulary.shells, name) { count(.procShell) }
        if FeatureVocabulary.contains(FeatureVocabulary.networkTools, name) { count(.procNetworkTool) }
        if FeatureVocabulary.contains(FeatureVocabulary.privilegeTools, name) { count(.procPrivilegeTool) }
        if FeatureVocabulary.temporaryPrefixes.contains(where: { FeatureText.hasPrefix(program, $0) })
            || FeatureText.hasSuffix(program, " (deleted)")
        {
            count(.procTemporaryLocation)
        }
        if isMinerLike(program, details["argv"]) { count(.procMinerLike) }
    }

    /// The program and its first 15 string arguments, searched for a miner's names with A-Z folded.
    private func isMinerLike(_ program: String, _ argv: JSONValue?) -> Bool {
        func matches(_ text: String) -> Bool {
            FeatureText.containsAnyFoldingASCII(text, FeatureVocabulary.minerWords)
        }
        if matches(program) { return true }
        guard case .array(let arguments) = argv else { return false }
        var looked = 1
        for case .string(let argument) in arguments {
            guard looked < 16 else { break }
            looked += 1
            if matches(argument) { return true }
        }
        return false
    }

    mutating func file(_ entry: AuditEntry, _ details: JSONValue) {
        let path = entry.target
        count(.fileChanges)
        paths.add(ExactText(path))
        if details["authorized"] == .bool(false) { count(.fileUnauthorized) }
        if FeatureVocabulary.sensitivePaths.contains(where: { FeatureText.isWithin(path, $0) }) {
            count(.fileSensitive)
        }
        if FeatureVocabulary.persistencePaths.contains(where: { FeatureText.isWithin(path, $0) }) {
            count(.filePersistence)
        }
        if FeatureVocabulary.systemBinaryPrefixes.contains(where: { FeatureText.hasPrefix(path, $0) }) {
            count(.fileSystemBinaries)
        }
    }

    mutating func alert(_ entry: AuditEntry, _ details: JSONValue) {
        let action = entry.action.utf8
        count(.alerts)
        if entry.riskLevel >= .high { count(.alertsHigh) }
        if FeatureVocabulary.contains(FeatureVocabulary.authAlerts, action) {
            count(.alertsBruteForce)
            if case .array(let evidence) = details["evidence"], !evidence.isEmpty {
                count(.authFailures, Double(evidence.count))
            } else {
                count(.authFailures)
            }
        }
        if FeatureVocabulary.contains(FeatureVocabulary.scanAlerts, action) { count(.alertsPortScan) }
        if FeatureVocabulary.contains(FeatureVocabulary.processAlerts, action) { count(.alertsProcess) }
        if FeatureVocabulary.contains(FeatureVocabulary.privilegeAlerts, action) { count(.alertsPrivilege) }
        if FeatureVocabulary.contains(FeatureVocabulary.moduleAlerts, action) { count(.alertsModule) }
    }
}
