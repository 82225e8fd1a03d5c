import Hummingbird
import NIOCore

extension ConsoleRoutes {
    /// `/events`: the feed as server-sent events, for a logged-in operator only. The stream ends when the session
    /// does (logout, expiry: checked at every event, and the feed says it is alive at least every 15 s).
    func addEventRoutes(to router: Router<ConsoleContext>) {
        router.get("/events") { _, context in
            guard let session = context.session, let cookie = context.sessionCookie else {
                return Response(status: .unauthorized)
            }
            guard let stream = backend.feed.subscribe(session: session.id) else {
                return Response(status: .tooManyRequests)
            }
            let sessions = backend.sessions
            let clock = backend.core.clock
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8"],
                body: ResponseBody { writer in
                    for await event in stream {
                        guard sessions.session(cookie: cookie, now: clock.now()) == session else { break }
                        try await writer.write(ByteBuffer(string: event))
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/static/console.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"],
                body: .init(byteBuffer: .init(string: ConsoleScripts.live)))
        }
    }
}
