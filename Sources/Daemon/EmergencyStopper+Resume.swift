import Agents
import Audit
import Capabilities
import Emergency
import Foundation

/// What becomes of the agents stopped by an emergency stop when operators resume.
public enum ResumeAgents: String, Sendable, CaseIterable {
    /// Frozen agents continue where they were (those the freeze timeout killed stay stopped).
    case thaw
    /// Every agent that was running at the stop is killed and started afresh.
    case restart
    /// Every agent is killed; the orchestrator starts what it needs.
    case stop
}

extension EmergencyStopper {
    public struct ResumeReport: Sendable {
        public var operators: [String]
        public var agentsResumed: Int
        public var auditID: String
    }

    /// At most this many challenges wait at once (the oldest is dropped).
    static let maximumChallenges = 16
    static let maximumSignatures = 4

    /// What a challenge's state digest covers: the stop, each agent's state, the agents' cgroups and the policy.
    /// Any change (another stop, an agent killed by the freeze timeout) makes earlier challenges stale.
    func stateLines() -> [String] {
        let record = core.emergency.record
        var lines = [
            "stop \(record?.id ?? "-") since \(record?.since ?? "-") by \(record?.by ?? "-"): \(record?.reason ?? "-")"
        ]
        lines += (machinery.agents?.list() ?? []).map { "agent \($0.agent) \($0.state.rawValue) \($0.restarts)" }
        lines.append("cgroups \(machinery.agentTree?.groups.joined(separator: ",") ?? "-")")
        lines.append("policy \(core.policy.source)")
        return lines
    }

    /// A fresh challenge for the current stop, valid for the policy's challenge lifetime, usable once.
    public func challenge(now: Timestamp) throws(EmergencyError) -> ResumeChallenge {
        guard let record = core.emergency.record else {
            throw EmergencyError(.staleChallenge, "the system is not in manual mode: there is nothing to resume")
        }
        let challenge = ResumeChallenge.fresh(
            host: machinery.host, stopID: record.id, state: ResumeChallenge.stateDigest(of: stateLines()),
            issuedAt: now.rfc3339, expiresAt: now.adding(core.policy.emergency.challengeLifetime).rfc3339)
        let expires = now.adding(core.policy.emergency.challengeLifetime)
        challenges.withLock { waiting in
            if waiting.count >= Self.maximumChallenges,
                let oldest = waiting.min(by: { $0.value.expires < $1.value.expires })?.key
            {
                waiting[oldest] = nil
            }
            waiting[challenge.nonce] = IssuedChallenge(challenge: challenge, expires: expires)
        }
        return challenge
    }

    /// Leaves manual mode when `challengeText` is a challenge this daemon issued for the current stop and state,
    /// unexpired and unused, signed by at least the policy's quorum of different registered operators. Every
    /// refusal is recorded and thrown; nothing changes unless everything holds.
    public func resume(
        challengeText: String, signatures: [String], agents: ResumeAgents, caller: String, now: Timestamp
    ) async throws -> ResumeReport {
        let (challenge, operators): (ResumeChallenge, [String])
        do {
            (challenge, operators) = try verify(challengeText, signatures, now: now)
        } catch {
            _ = try await core.record(EmergencyAudit.resumeRefused(by: caller, reason: error.message, operators: []))
            throw error
        }
        cancelFreezeTimeout()
        let resumed = await resolveAgents(agents, by: caller, operators: operators)
        do {
            try machinery.stateFile?.remove()
        } catch {
            // The daemon stays in manual mode rather than run with a file that would stop it again at its next start.
            _ = try await core.record(
                EmergencyAudit.resumeRefused(by: caller, reason: error.message, operators: operators))
            throw error
        }
        resolvedStops.withLock { _ = $0.insert(challenge.stopID) }
        challenges.withLock { $0.removeAll() }
        machinery.hold?.release()
        core.emergency.resume()
        var count = resumed
        if agents == .restart {
            for (agent, command) in stoppedAgents.withLock({ $0 }) {
                if (try? machinery.agents?.spawn(agent: agent, command: command, requestedBy: caller)) != nil {
                    count += 1
                }
            }
        }
        stoppedAgents.withLock { $0 = [] }
        let entry = try await core.record(
            EmergencyAudit.resumed(
                by: caller, operators: operators, agents: agents.rawValue, stopID: challenge.stopID, count: count))
        return ResumeReport(operators: operators, agentsResumed: count, auditID: entry.id)
    }

    private func verify(_ text: String, _ signatures: [String], now: Timestamp) throws(EmergencyError) -> (
        ResumeChallenge, [String]
    ) {
        let challenge = try ResumeChallenge(parsing: text)
        guard let record = core.emergency.record else {
            throw EmergencyError(.staleChallenge, "the system is not in manual mode: there is nothing to resume")
        }
        guard let issued = challenges.withLock({ $0[challenge.nonce] }), issued.challenge == challenge else {
            throw EmergencyError(
                .staleChallenge, "this challenge was not issued by this daemon, or was already used (a replay)")
        }
        guard challenge.stopID == record.id else {
            throw EmergencyError(.staleChallenge, "the challenge is for stop \(challenge.stopID), not \(record.id)")
        }
        guard now < issued.expires else {
            throw EmergencyError(.staleChallenge, "the challenge expired at \(challenge.expiresAt): ask for a new one")
        }
        guard ResumeChallenge.stateDigest(of: stateLines()) == challenge.state else {
            throw EmergencyError(
                .staleChallenge, "the system's state changed since the challenge was issued: ask for a new one")
        }
        guard !signatures.isEmpty, signatures.count <= Self.maximumSignatures else {
            throw EmergencyError(.quorum, "give 1 to \(Self.maximumSignatures) signatures of the challenge")
        }
        let verifier = OperatorSignatures(operators: core.policy.emergency.operators)
        var operators: [String] = []
        for signature in signatures {
            let name = try verifier.signer(of: signature, message: challenge.text)
            if !operators.contains(name) { operators.append(name) }
        }
        let quorum = core.policy.emergency.resumeQuorum
        guard operators.count >= quorum else {
            throw EmergencyError(
                .quorum,
                "the policy needs \(quorum) different operators; signed by \(operators.joined(separator: ", "))")
        }
        // Used once: of two resumes racing with one challenge, only the first gets here.
        guard challenges.withLock({ $0.removeValue(forKey: challenge.nonce) }) != nil else {
            throw EmergencyError(.staleChallenge, "this challenge was already used (a replay)")
        }
        return (challenge, operators)
    }

    /// Thaws, or kills (for `restart` and `stop`), the stopped agents; returns how many were thawed.
    private func resolveAgents(_ agents: ResumeAgents, by caller: String, operators: [String]) async -> Int {
        guard let tree = machinery.agentTree else { return 0 }
        if agents != .thaw { _ = await killEverything() }
        let thawed = agents == .thaw ? tree.groups.count : 0
        try? tree.thawAll()
        return thawed
    }
}

/// A challenge waiting to be signed, with its expiry as a time.
struct IssuedChallenge: Sendable {
    let challenge: ResumeChallenge
    let expires: Timestamp
}
