import HTTPTypes
import Hummingbird

/// Headers on every answer, errors included: scripts and styles only from the console itself (no inline script,
/// no CDN), no framing, no MIME sniffing, a referrer only to the console itself (a login link's token must not leak
/// into another site's logs; `no-referrer` would also make the browser send `Origin: null` on the console's own
/// forms, which the same-origin check refuses), nothing cached, HTTPS remembered for a year.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    static var fields: [(HTTPField.Name, String)] {
        [
            (
                HTTPField.Name("Content-Security-Policy")!,
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                    + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            ),
            (HTTPField.Name("Strict-Transport-Security")!, "max-age=31536000"),
            (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
            (HTTPField.Name("X-Frame-Options")!, "DENY"),
            (HTTPField.Name("Referrer-Policy")!, "same-origin"),
            (HTTPField.Name("Cross-Origin-Opener-Policy")!, "same-origin"),
            (HTTPField.Name("Cross-Origin-Resource-Policy")!, "same-origin"),
            (.cacheControl, "no-store"),
        ]
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        for (name, value) in Self.fields { response.headers[name] = value }
        return response
    }
}
