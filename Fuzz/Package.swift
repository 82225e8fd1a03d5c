// swift-tools-version:6.2
// libFuzzer targets for every parser of untrusted input. Build with `make fuzz` from the repository root.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, which differs between checkouts.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "AIOSSecurityFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."), .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "fuzz-capability",
            dependencies: ["FuzzSupport", .product(name: "Capabilities", package: root)]
        ),
        .executableTarget(
            name: "fuzz-audit-import",
            dependencies: ["FuzzSupport", .product(name: "Audit", package: root)]
        ),
        .executableTarget(
            name: "fuzz-audit-query",
            dependencies: [
                "FuzzSupport", .product(name: "Audit", package: root), .product(name: "Capabilities", package: root),
            ]
        ),
        .executableTarget(
            name: "fuzz-sealed-file",
            dependencies: ["FuzzSupport", .product(name: "Secrets", package: root)]
        ),
        .executableTarget(
            name: "fuzz-resume-challenge",
            dependencies: [
                "FuzzSupport", .product(name: "Emergency", package: root), .product(name: "Policy", package: root),
            ]
        ),
        .executableTarget(
            name: "fuzz-csr",
            dependencies: [
                "FuzzSupport", .product(name: "PKI", package: root),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .executableTarget(
            name: "fuzz-grpc-request",
            dependencies: [
                "FuzzSupport", .product(name: "Daemon", package: root), .product(name: "AIOSProto", package: root),
                .product(name: "PKI", package: root), .product(name: "Policy", package: root),
                .product(name: "Capabilities", package: root), .product(name: "Sandbox", package: root),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .executableTarget(
            name: "fuzz-firewall-rule",
            dependencies: [
                "FuzzSupport", .product(name: "Firewall", package: root), .product(name: "Policy", package: root),
            ]
        ),
        .executableTarget(
            name: "fuzz-authlog",
            dependencies: [
                "FuzzSupport", .product(name: "Detection", package: root), .product(name: "Policy", package: root),
                .product(name: "Capabilities", package: root),
            ]
        ),
        .executableTarget(
            name: "fuzz-proc-events",
            dependencies: [
                "FuzzSupport", .product(name: "Detection", package: root), .product(name: "Policy", package: root),
            ]
        ),
        .executableTarget(
            name: "fuzz-conntrack",
            dependencies: [
                "FuzzSupport", .product(name: "Detection", package: root), .product(name: "Policy", package: root),
            ]
        ),
        .executableTarget(
            name: "fuzz-model",
            dependencies: [
                "FuzzSupport", .product(name: "Detection", package: root), .product(name: "Guard", package: root),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "fuzz-fim-events",
            dependencies: ["FuzzSupport", .product(name: "Detection", package: root)]
        ),
        .executableTarget(
            name: "fuzz-mcp-message",
            dependencies: [
                "FuzzSupport", .product(name: "MCPBridge", package: root), .product(name: "Policy", package: root),
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),
        .executableTarget(
            name: "fuzz-screen",
            dependencies: ["FuzzSupport", .product(name: "Guard", package: root)]
        ),
        .executableTarget(
            name: "fuzz-egress-connect",
            dependencies: ["FuzzSupport", .product(name: "Firewall", package: root)]
        ),
        .executableTarget(
            name: "fuzz-package-index",
            dependencies: ["FuzzSupport", .product(name: "Packages", package: root)]
        ),
        .executableTarget(
            name: "fuzz-verdict",
            dependencies: [
                "FuzzSupport", .product(name: "Detection", package: root), .product(name: "Guard", package: root),
                .product(name: "Audit", package: root), .product(name: "Capabilities", package: root),
            ]
        ),
        .executableTarget(
            name: "fuzz-policy",
            dependencies: [
                "FuzzSupport", .product(name: "Policy", package: root),
                .product(name: "Capabilities", package: root),
            ]
        ),
    ]
)
