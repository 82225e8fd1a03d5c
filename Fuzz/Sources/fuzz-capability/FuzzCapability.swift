import Capabilities

/// Feeds arbitrary bytes to the capability parser, the request validator and the grant-duration parser.
/// Properties checked: no crash; a parsed capability prints back to text that parses to the same value; a
/// request either is rejected or decides without crashing; matching agrees with the reference definition.

public func fuzzCapability(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let capability = try? Capability(parsing: text) {
        guard let again = try? Capability(parsing: capability.description), again == capability else {
            fatalError("round trip failed for \(capability)")
        }
        checkMatching(capability, text)
    }
    _ = try? GrantDuration(parsing: text)
    let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    if parts.count == 3, let request = try? AccessRequest(namespace: parts[0], action: parts[1], resource: parts[2]) {
        _ = request.normalizedResource
        _ = set.check(request, for: "fuzz", at: .seconds(1))
    }
    return 0
}

private let set: CapabilitySet = {
    let capabilities = ["fs:read:*", "fs:write:/etc/*", "net:connect:10.0.0.5:5432", "process:list"].map {
        try! Capability(parsing: $0)
    }
    let role = RoleDefinition(name: "r", capabilities: capabilities, ceiling: .none)
    return try! Authority(roles: [role], agents: ["fuzz": [RoleMembership(role: "r")]]).capabilitySet()
}()

/// The compiled matcher must agree with `Capability.matches` on a resource derived from the input.
private func checkMatching(_ capability: Capability, _ text: String) {
    let role = RoleDefinition(name: "r", capabilities: [capability], ceiling: .none)
    guard let authority = try? Authority(roles: [role], agents: ["a": [RoleMembership(role: "r")]]) else { return }
    let resource = String(text.reversed())
    guard
        let request = try? AccessRequest(
            namespace: capability.namespace, action: capability.action ?? "x", resource: resource)
    else { return }
    let compiled = authority.capabilitySet().check(request, for: "a", at: .seconds(0)).isAllowed
    let reference = capability.matches(
        namespace: request.namespace, action: request.action, normalizedResource: request.normalizedResource)
    if compiled != reference { fatalError("compiled matcher disagrees on \(capability) / \(resource)") }
}
