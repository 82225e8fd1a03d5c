// swift-tools-version:6.2
// libFuzzer targets for every parser of untrusted input. Build with `make fuzz` from the repository root.
import PackageDescription

let package = Package(
    name: "AIOSSecurityFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "fuzz-capability",
            dependencies: [.product(name: "Capabilities", package: "main")]
        ),
        .executableTarget(
            name: "fuzz-policy",
            dependencies: [.product(name: "Policy", package: "main"), .product(name: "Capabilities", package: "main")]
        ),
    ]
)
