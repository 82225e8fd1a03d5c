import Crypto
import Foundation
import Policy

/// What the sandboxed download and the daemon's own checks found about a package set, before anything is
/// installed: shown with the pending confirmation, recorded (by hash) in the ledger, kept with the request.
public struct ProvenanceReport: Codable, Sendable, Equatable {
    /// `apt` or `pip`.
    public var ecosystem: String
    /// The packages the call asked for.
    public var requested: [String]
    /// pip: the virtual environment; apt: the install root.
    public var target: String
    public var packages: [PackageFacts]
    public var findings: [Finding]
    /// `refused`, `confirm` or `allowed`, from the policy's `refuse` and `confirm` lists.
    public var verdict: Verdict = .allowed
    /// The findings that refuse it, when refused.
    public var refusedBecause: [String] = []

    public enum Verdict: String, Codable, Sendable {
        case refused, confirm, allowed
    }

    public struct Finding: Codable, Sendable, Equatable {
        public var kind: PackagePolicy.Finding
        public var package: String
        public var detail: String

        public init(_ kind: PackagePolicy.Finding, _ package: String, _ detail: String) {
            self.kind = kind
            self.package = package
            self.detail = detail
        }
    }

    /// One package of the set, as verified.
    public struct PackageFacts: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public var architecture: String = ""
        /// apt: the repository's `Origin`; pip: the index.
        public var origin: String = ""
        public var suite: String = ""
        public var component: String = ""
        /// The policy's name for the repository.
        public var repository: String = ""
        /// The fingerprint of the key whose signature covers this package's hash.
        public var signingKey: String = ""
        public var sha256: String
        public var size: UInt64
        /// Named by the request (false: a new dependency).
        public var requested: Bool
        public var maintainer: String = ""
        /// Maintainer scripts (or, for pip, the build step), each with what it appears to touch.
        public var scripts: [Script] = []
        public var setuid: [String] = []
        public var unusualPaths: [String] = []
        public var protectedPaths: [String] = []
        /// pip: when the file was uploaded to the index (ISO 8601), when the index says.
        public var uploaded: String?
        /// The verified file, inside the request's directory.
        public var file: String

        public init(name: String, version: String, sha256: String, size: UInt64, requested: Bool, file: String) {
            self.name = name
            self.version = version
            self.sha256 = sha256
            self.size = size
            self.requested = requested
            self.file = file
        }
    }

    public struct Script: Codable, Sendable, Equatable {
        public var name: String
        public var sha256: String
        /// `network`, `users`, `services`, `protected_path:PATH`, `obfuscated`.
        public var touches: [String]
    }

    public init(ecosystem: String, requested: [String], target: String, packages: [PackageFacts]) {
        self.ecosystem = ecosystem
        self.requested = requested
        self.target = target
        self.packages = packages
        self.findings = []
    }

    /// Canonical JSON (sorted keys): what the ledger's `report_sha256` is the hash of.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    public var sha256: String { VerifiedCopy.hex(SHA256.hash(data: Data(json.utf8))) }

    /// Applies the policy: findings it lists under `refuse` refuse the set; under `confirm`, ask the orchestrator.
    public mutating func judge(by policy: PackagePolicy) {
        refusedBecause = findings.filter { policy.refuse.contains($0.kind) }.map {
            "\($0.kind.rawValue) (\($0.package): \($0.detail))"
        }
        if !refusedBecause.isEmpty {
            verdict = .refused
        } else if findings.contains(where: { policy.confirm.contains($0.kind) }) {
            verdict = .confirm
        } else {
            verdict = .allowed
        }
    }

    /// The findings every set gets from the policy's lists, whatever its ecosystem: forbidden and pinned names,
    /// dependencies nobody asked for.
    public mutating func addPolicyFindings(_ policy: PackagePolicy) {
        for package in packages {
            if policy.forbidden.contains(package.name) {
                findings.append(Finding(.forbidden, package.name, "the policy forbids \(package.name)"))
            }
            if let pin = policy.pinned[package.name], pin != package.version {
                findings.append(
                    Finding(.pinMismatch, package.name, "version \(package.version), pinned to \(pin)"))
            }
            if !package.requested {
                findings.append(Finding(.newDependency, package.name, "pulled in as a dependency"))
            }
        }
    }
}
