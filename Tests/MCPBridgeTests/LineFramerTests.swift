import Testing

@testable import MCPBridge

@Suite("LineFramer: one message per line, none over the limit")
struct LineFramerTests {
    /// All frames of `input` fed in chunks of `chunk` bytes, then the end of input.
    private func frames(_ input: String, limit: Int = 16, chunk: Int) -> [LineFramer.Frame] {
        var framer = LineFramer(maximumBytes: limit)
        var result: [LineFramer.Frame] = []
        let bytes = Array(input.utf8)
        var offset = 0
        while offset < bytes.count {
            framer.append(bytes[offset..<min(offset + chunk, bytes.count)])
            offset += chunk
            while let frame = framer.next() { result.append(frame) }
        }
        while let frame = framer.finish() { result.append(frame) }
        return result
    }

    private func message(_ text: String) -> LineFramer.Frame { .message(Array(text.utf8)) }

    @Test("lines split the same however the input is cut", arguments: [1, 2, 3, 7, 64, 4096])
    func chunking(chunk: Int) {
        #expect(
            frames("{\"a\":1}\n\n  \r\n{\"b\":2}\r\n[3]", chunk: chunk) == [
                message("{\"a\":1}"), message("{\"b\":2}\r"), message("[3]"),
            ])
    }

    @Test("a line over the limit is reported once and dropped; the next line is whole", arguments: [1, 5, 40, 4096])
    func oversized(chunk: Int) {
        let long = String(repeating: "x", count: 100)
        #expect(frames("\(long)\n{\"ok\":1}\n", chunk: chunk) == [.oversized, message("{\"ok\":1}")])
        #expect(frames("[1]\n\(long)", chunk: chunk) == [message("[1]"), .oversized])
    }

    @Test("a line of exactly the limit passes; one byte more does not")
    func boundary() {
        let exact = String(repeating: "y", count: 16)
        #expect(frames("\(exact)\n", chunk: 3) == [message(exact)])
        #expect(frames("\(exact)z\n", chunk: 3) == [.oversized])
        #expect(frames("\(exact)z\n", chunk: 100) == [.oversized])
    }

    @Test("an endless line never grows the buffer past the limit and one chunk")
    func endless() {
        var framer = LineFramer(maximumBytes: 1024)
        var reports = 0
        for _ in 0..<10_000 {
            framer.append([UInt8](repeating: 0x61, count: 512))
            while let frame = framer.next() {
                #expect(frame == .oversized)
                reports += 1
            }
            #expect(framer.heldBytes <= 1024 + 512)
        }
        #expect(reports == 1)
        framer.append(Array("\n[]\n".utf8))
        #expect(framer.next() == message("[]"))
    }
}
