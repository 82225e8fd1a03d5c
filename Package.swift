// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "AIOSSecurity",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aios-sec", targets: ["aios-sec"]),
        .library(name: "Capabilities", targets: ["Capabilities"]),
        .library(name: "Policy", targets: ["Policy"]),
        .library(name: "Audit", targets: ["Audit"]),
        .library(name: "Secrets", targets: ["Secrets"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
        .library(name: "Agents", targets: ["Agents"]),
        .library(name: "Firewall", targets: ["Firewall"]),
        .library(name: "Detection", targets: ["Detection"]),
        .library(name: "Guard", targets: ["Guard"]),
        .library(name: "Packages", targets: ["Packages"]),
        .library(name: "PKI", targets: ["PKI"]),
        .library(name: "Daemon", targets: ["Daemon"]),
        .library(name: "Emergency", targets: ["Emergency"]),
        .library(name: "AIOSProto", targets: ["AIOSProto"]),
        .library(name: "MCPBridge", targets: ["MCPBridge"]),
        .library(name: "Console", targets: ["Console"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Hummingbird's header types (named directly by the console's security headers).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The capability engine: grammar, compiled matcher, grants, decisions. Pure Swift, no I/O.
        .target(name: "Capabilities"),
        // Roles, ceilings, the tool catalogue; YAML with located errors; the spec's defaults.
        .target(
            name: "Policy",
            dependencies: ["Capabilities", .product(name: "Yams", package: "Yams")]
        ),
        // The audit ledger: entries in the spec's format, SQLite storage, hash chain, Merkle tree, checkpoints.
        .target(
            name: "Audit",
            dependencies: [
                "Capabilities", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // add_key(2)/keyctl(2) wrappers: keyctl is variadic, which Swift cannot call.
        .target(name: "CKeyring"),
        // Secrets: the sealed boot file, the kernel keyring vault (and, next, the per-agent hand-off).
        .target(
            name: "Secrets",
            dependencies: [
                "Capabilities", "CKeyring", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The internal CA: root, rotating intermediate, SPIFFE workload certificates, revocation, verification.
        .target(
            name: "PKI",
            dependencies: [
                "Secrets", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // Generated from Protos/ by scripts/gen-proto.sh (committed; CI never runs protoc).
        .target(
            name: "AIOSProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The daemon: identity from mTLS, the Gate, grants, the Broker, the gRPC service.
        .target(
            name: "Daemon",
            dependencies: [
                "AIOSProto", "Capabilities", "Policy", "Audit", "PKI", "Secrets", "Sandbox", "Agents", "Firewall",
                "Detection", "CFileAccess", "Emergency", "Guard", "Packages",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                // Connection caps and deadlines are NIO handlers on the transport's channels.
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // Request fields are measured with a protobuf Visitor.
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // openat2(2) (no glibc wrapper; struct argument): the Broker opens paths beneath an allowed directory.
        .target(name: "CFileAccess"),
        // fork → prepare (session keyring, identity, no_new_privs) → exec, in C: no Swift runs in the child.
        .target(name: "CLauncher", dependencies: ["CFileAccess"], linkerSettings: [.linkedLibrary("seccomp")]),
        // Launching agent processes (and, next, confining them: cgroups, namespaces, Landlock, seccomp).
        .target(name: "Sandbox", dependencies: ["CLauncher", "Capabilities"]),
        .target(
            name: "Packages",
            dependencies: ["Sandbox", "Policy", "Capabilities", .product(name: "Crypto", package: "swift-crypto")]),
        // Agents as running processes: spawned confined per policy, watched, restarted or stopped.
        .target(name: "Agents", dependencies: ["Sandbox", "Policy", "Secrets", "Audit", "Capabilities"]),
        // libnftables (in-process nftables, JSON in and out): the firewall's one way to the kernel.
        .target(name: "CNftables", linkerSettings: [.linkedLibrary("nftables")]),
        // The typed ruleset, its nftables rendering, atomic apply, DNS-fed allow sets, the timed blocklist.
        .target(
            name: "Firewall",
            dependencies: [
                "CNftables", "Capabilities", "Policy", "Audit", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]),
        // Network intrusion detection: event sources (log lines, kernel events), scan and brute-force rules;
        // and human sessions: sshd's logins, the kernel's process events, the SSH console's sshd configuration.
        // Extended attributes and openat2(2) without symlinks, for file integrity scans.
        .target(name: "CFileIntegrity"),
        // File integrity: the signed baseline (SQLite) of the policy's watch set and the parallel checks against it.
        // The AI-specific defences: untrusted text marked and screened, model files checked against signed manifests,
        // model responses validated against schemas, the human review queue.
        .target(
            name: "Guard",
            dependencies: [
                "Audit", "Capabilities", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        // The analysis loop's parts live in Detection/Analysis: features of an event window, the local risk model,
        // escalation to the Messages API (AsyncHTTPClient) and the validation of its verdicts.
        .target(
            name: "Detection",
            dependencies: [
                "Capabilities", "Policy", "Audit", "Secrets", "CFileIntegrity", "Guard",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The Messages client's timeouts, buffers and headers are NIO's types.
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // The Broker's tools over the Model Context Protocol: schemas and pins from the catalogue, calls to ExecuteTool.
        .target(
            name: "MCPBridge",
            dependencies: [
                "AIOSProto", "Audit", "Capabilities", "Policy", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRPCCore", package: "grpc-swift-2"), .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),
        // Emergency access: the manual-mode record that outlives the daemon, the resume challenge, operators' SSH
        // signatures (checked by OpenSSH's ssh-keygen).
        .target(
            name: "Emergency",
            dependencies: ["Policy", "Secrets", .product(name: "Crypto", package: "swift-crypto")]),
        // The web management console: HTTPS (Hummingbird) with the daemon's server certificate, one-time login links,
        // sessions with CSRF tokens, server-rendered pages (Mustache); every action through the daemon's own code.
        .target(
            name: "Console",
            dependencies: [
                "Daemon", "Audit", "Capabilities", "Emergency", "Policy", "PKI",
                "AIOSProto", "Firewall", "Guard",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fakes shared by the tests (manual clock, …).
        .target(
            name: "SecurityTesting",
            dependencies: [
                "Capabilities", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "aios-sec",
            dependencies: [
                "Capabilities", "Policy", "Audit", "Secrets", "Sandbox", "Agents", "Firewall", "Detection", "PKI",
                "CNftables", "Daemon", "AIOSProto", "Emergency", "Console", "Guard", "Packages",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), "MCPBridge",
            ]
        ),
        .testTarget(name: "CapabilitiesTests", dependencies: ["Capabilities", "SecurityTesting"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "Capabilities"]),
        .testTarget(
            name: "PackagesTests", dependencies: ["Packages", "Policy", "Sandbox", "Capabilities", "SecurityTesting"]),
        .testTarget(name: "SecretsTests", dependencies: ["Secrets", "Sandbox", "SecurityTesting"]),
        .testTarget(
            name: "PKITests",
            dependencies: [
                "PKI", "Secrets", .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "AuditTests",
            dependencies: [
                "Audit", "Capabilities", "SecurityTesting", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "Capabilities", "Policy", "SecurityTesting"]),
        .testTarget(
            name: "FirewallTests",
            dependencies: [
                "Firewall", "Policy", "Audit", "Capabilities", "SecurityTesting", "Agents", "Sandbox", "Secrets",
            ]),
        .testTarget(
            name: "DetectionTests",
            dependencies: [
                "Detection", "Firewall", "Policy", "Audit", "Capabilities", "SecurityTesting", "Secrets", "Guard",
                "CFileIntegrity", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "AgentsTests",
            dependencies: ["Agents", "Sandbox", "Policy", "Secrets", "Audit", "Capabilities", "SecurityTesting"]),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "AIOSProto", "Audit", "Capabilities", "Detection", "Policy", "PKI", "Secrets",
                "SecurityTesting", "CFileAccess", .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "Daemon", "Audit", "Capabilities", "Policy", "PKI", "Secrets", "SecurityTesting",
                "Firewall", "AIOSProto", "Guard",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "GuardTests",
            dependencies: ["Guard", "Audit", "SecurityTesting", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "EmergencyTests", dependencies: ["Emergency", "Policy", "SecurityTesting"]),
        .testTarget(
            name: "MCPBridgeTests",
            dependencies: [
                "MCPBridge", "AIOSProto", "Policy", .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests", dependencies: ["Audit", "Capabilities", "Policy", "SecurityTesting"],
            exclude: ["Fixtures"]
        ),
    ]
)
