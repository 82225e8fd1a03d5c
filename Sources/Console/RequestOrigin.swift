import HTTPTypes
import Hummingbird

/// Where a request came from, by the headers browsers add and pages cannot forge: a POST another site's page
/// makes carries `Sec-Fetch-Site: cross-site` (or `same-site`) and that site's `Origin`. Refused before the form
/// is read; the CSRF token is the check that does not depend on the browser sending these.
enum RequestOrigin {
    static func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" {
            return false
        }
        if let origin = request.headers[.origin] {
            guard let host = request.head.authority else { return false }
            return origin == "https://" + host
        }
        return true
    }
}
