/// The resource part of a capability (`aios-cap-v1`).
///
/// `*`, or no resource part at all, matches any resource (including the empty one). A pattern ending in `/*`
/// matches everything strictly below its directory at any depth, never the directory itself. Anything else is an
/// exact, case-sensitive match. A `*` has no other meaning; the parser rejects one anywhere else.
public enum ResourcePattern: Hashable, Sendable {
    /// The capability has no resource part (`process:list`).
    case unrestricted
    /// The resource part is `*`.
    case any
    /// `X/*`: the associated value is `X/` — the prefix every matching resource starts with.
    case below(String)
    /// Exactly this resource.
    case exact(String)

    /// The resource part as written in a capability string, `nil` when there is none.
    public var text: String? {
        switch self {
        case .unrestricted: nil
        case .any: "*"
        case .below(let prefix): prefix + "*"
        case .exact(let value): value
        }
    }

    /// True when every resource matches.
    public var matchesEverything: Bool {
        switch self {
        case .unrestricted, .any: true
        case .below, .exact: false
        }
    }

    /// Whether a normalised resource matches this pattern.
    public func matches(normalized resource: String) -> Bool {
        switch self {
        case .unrestricted, .any: true
        case .below(let prefix): resource.utf8.starts(with: prefix.utf8)
        case .exact(let value): resource.utf8.elementsEqual(value.utf8)
        }
    }

    /// Whether every resource this pattern matches is also matched by `self`.
    public func covers(_ other: ResourcePattern) -> Bool {
        switch (self, other) {
        case (.unrestricted, _), (.any, _): true
        case (_, .unrestricted), (_, .any): false
        case (.below(let mine), .below(let theirs)): theirs.utf8.starts(with: mine.utf8)
        case (.below(let mine), .exact(let theirs)): theirs.utf8.starts(with: mine.utf8)
        case (.exact, .below): false
        case (.exact(let mine), .exact(let theirs)): mine.utf8.elementsEqual(theirs.utf8)
        }
    }

    /// Whether some resource is matched by both patterns.
    public func overlaps(_ other: ResourcePattern) -> Bool {
        switch (self, other) {
        case (.unrestricted, _), (.any, _), (_, .unrestricted), (_, .any): true
        case (.below(let a), .below(let b)): a.utf8.starts(with: b.utf8) || b.utf8.starts(with: a.utf8)
        case (.below(let prefix), .exact(let value)), (.exact(let value), .below(let prefix)):
            value.utf8.starts(with: prefix.utf8)
        case (.exact(let a), .exact(let b)): a.utf8.elementsEqual(b.utf8)
        }
    }
}
