import Hummingbird

/// A request the console turns down, answered as a page (not Hummingbird's JSON error body): what the operator
/// sees, with a way back. The message is the console's own text, never the request's.
struct ConsoleRefusal: HTTPResponseError {
    let status: HTTPResponse.Status
    let problem: String

    static func forbidden(_ problem: String) -> ConsoleRefusal { ConsoleRefusal(status: .forbidden, problem: problem) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(
                byteBuffer: .init(
                    string: ConsolePages.shared.render(
                        "refused", title: "Refused", session: nil, ["problem": problem]))))
    }
}
