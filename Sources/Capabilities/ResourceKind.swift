/// What a namespace's resources are: filesystem paths, or opaque tokens (ports, names, `host:port`).
///
/// Path namespaces get stricter capability syntax: the pattern must be `*` or an absolute, normalised path, because
/// request paths are normalised before matching and any other pattern could never match what its author meant.
public enum ResourceKind: Hashable, Sendable {
    case path
    case token

    /// The namespaces whose resources are paths.
    public static let pathNamespaces: Set<String> = ["fs"]

    public static func of(namespace: String) -> ResourceKind {
        pathNamespaces.contains(namespace) ? .path : .token
    }
}
