import Hummingbird

/// The session cookie: `__Host-` (the browser accepts it only over HTTPS, for this host, path /), HttpOnly (no
/// script reads it), Secure, SameSite=Strict (no other site's page sends it), expiring with the session.
enum ConsoleCookie {
    static let name = "__Host-aios-console"

    static func setting(_ value: String, maxAge seconds: Int) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: seconds, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }

    static var clearing: Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }
}
