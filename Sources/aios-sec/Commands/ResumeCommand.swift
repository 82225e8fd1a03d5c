import AIOSProto
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Leave manual mode with a challenge signed by operators (re-authorisation).",
        discussion: """
            1. aios-sec resume --challenge > challenge.txt
            2. each operator: ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n aios-resume challenge.txt
            3. aios-sec resume --signature challenge.txt.sig [--signature other.sig] [--agents thaw|restart|stop]
            The daemon accepts a challenge once, before it expires, while the system is in the state it describes, \
            signed by the policy's quorum of registered operators (emergency.operators). No grant comes back.
            """)

    @OptionGroup var daemon: LocalDaemonOptions
    @Flag(help: "Print a fresh challenge to sign.") var challenge = false
    @Option(name: .customLong("signature"), help: "An operator's signature file (repeatable).")
    var signatures: [String] = []
    @Option(help: "The challenge that was signed (default: the first signature's path without .sig).")
    var challengeFile: String?
    @Option(help: "What becomes of the stopped agents: thaw, restart or stop.") var agents = "thaw"

    func run() async throws {
        if challenge {
            guard signatures.isEmpty else { throw ValidationError("--challenge and --signature are separate steps") }
            let response = try await call { client, options in
                try await client.resumeChallenge(Aios_Security_V1_ResumeChallengeRequest(), options: options)
            }
            print(response.challenge, terminator: "")
            printError(
                "resume: sign within the lifetime (until \(response.expiresAt)), \(response.signaturesNeeded) "
                    + "operator(s): ssh-keygen -Y sign -f KEY -n \(response.namespace) FILE")
            return
        }
        guard let first = signatures.first else { throw ValidationError("give --challenge, or --signature FILE") }
        let challengePath = challengeFile ?? (first.hasSuffix(".sig") ? String(first.dropLast(4)) : first)
        var request = Aios_Security_V1_ResumeRequest()
        request.challenge = try read(challengePath)
        request.signatures = try signatures.map(read)
        request.agents = agents
        let response = try await call { [request] client, options in try await client.resume(request, options: options)
        }
        print(
            "resumed by \(response.operators.joined(separator: ", ")): mode \(response.mode), "
                + "\(response.agentsResumed) agent(s) \(agents == "restart" ? "restarted" : agents == "thaw" ? "thawed" : "stopped") "
                + "[\(response.auditID)]")
    }

    private func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 64 << 10 else {
            printError("resume: cannot read \(path) (missing, unreadable or over 64 KiB)")
            throw ExitStatus.usage
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func call<T: Sendable>(
        _ body:
            @escaping @Sendable (Aios_Security_V1_SecurityService.Client<HTTP2ClientTransport.Posix>, CallOptions)
            async throws -> T
    ) async throws -> T {
        do {
            return try await daemon.call(timeout: .seconds(30), body)
        } catch let error as RPCError {
            printError("resume: \(error.code): \(error.message)")
            throw ConnectionOptions.exitCode(error.code)
        } catch {
            printError("resume: the daemon is needed to resume (\(error)); start it (it starts in manual mode)")
            throw ExitStatus.unavailable
        }
    }
}
