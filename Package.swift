// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "AIOSSecurity",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aios-sec", targets: ["aios-sec"]),
        .library(name: "Capabilities", targets: ["Capabilities"]),
        .library(name: "Policy", targets: ["Policy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // The capability engine: grammar, compiled matcher, grants, decisions. Pure Swift, no I/O.
        .target(name: "Capabilities"),
        // Roles, ceilings, the tool catalogue; YAML with located errors; the spec's defaults.
        .target(
            name: "Policy",
            dependencies: ["Capabilities", .product(name: "Yams", package: "Yams")]
        ),
        // Fakes shared by the tests (manual clock, …).
        .target(name: "SecurityTesting", dependencies: ["Capabilities"]),
        .executableTarget(
            name: "aios-sec",
            dependencies: [
                "Capabilities", "Policy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CapabilitiesTests", dependencies: ["Capabilities", "SecurityTesting"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "Capabilities"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Capabilities"], exclude: ["Fixtures"]),
    ]
)
