import Testing

@testable import Detection

/// Connector messages built as the kernel lays them out (x86-64: `nlmsghdr`, `cn_msg`, `proc_event`).
enum ProcMessage {
    static func build(what: UInt32, cpu: UInt32 = 0, sequence: UInt32 = 0, data: [Int32], index: UInt32 = 1) -> [UInt8]
    {
        var event: [UInt8] = []
        func append(_ value: UInt32, to out: inout [UInt8]) {
            out += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        }
        append(what, to: &event)
        append(cpu, to: &event)
        event += [UInt8](repeating: 0, count: 8)
        for value in data { append(UInt32(bitPattern: value), to: &event) }
        var message: [UInt8] = []
        append(UInt32(16 + 20 + event.count), to: &message)
        message += [3, 0, 0, 0]
        append(0, to: &message)
        append(0, to: &message)
        append(index, to: &message)
        append(1, to: &message)
        append(sequence, to: &message)
        append(0, to: &message)
        message += [UInt8(event.count & 0xFF), UInt8(event.count >> 8), 0, 0]
        return message + event
    }
}

@Suite struct ProcEventTests {
    @Test func forkExecAndExitAreRead() {
        #expect(
            ProcEvent.parse(ProcMessage.build(what: 1, data: [10, 10, 11, 11])[...]).map(\.kind)
                == [.fork(parent: 10, child: 11)])
        #expect(ProcEvent.parse(ProcMessage.build(what: 2, data: [12, 12])[...]).map(\.kind) == [.exec(process: 12)])
        #expect(
            ProcEvent.parse(ProcMessage.build(what: 0x8000_0000, data: [12, 12, 0, 17, 10, 10])[...]).map(\.kind)
                == [.exit(process: 12)])
        #expect(
            ProcEvent.parse(ProcMessage.build(what: 0, data: [0])[...]).map(\.kind) == [
                .acknowledgement(error: 0, token: 0)
            ])
    }

    /// PROC_EVENT_UID (0x4) and PROC_EVENT_GID (0x40): the thread, its process, the real and effective ids.
    @Test func uidAndGidChangesAreRead() {
        #expect(
            ProcEvent.parse(ProcMessage.build(what: 0x4, data: [21, 20, 65534, 0])[...]).map(\.kind)
                == [.uid(process: 20, thread: 21, real: 65534, effective: 0)])
        #expect(
            ProcEvent.parse(ProcMessage.build(what: 0x40, data: [20, 20, 100, -1])[...]).map(\.kind)
                == [.gid(process: 20, thread: 20, real: 100, effective: UInt32.max)])
        let uid = ProcMessage.build(what: 0x4, data: [21, 20, 65534, 0])
        for length in 0..<uid.count { #expect(ProcEvent.parse(uid[0..<length]).isEmpty) }
        #expect(ProcEvent.parse(ProcMessage.build(what: 0x4, data: [21, 20, 65534])[...]).isEmpty)
    }

    @Test func threadsAreNoProcesses() {
        #expect(ProcEvent.parse(ProcMessage.build(what: 1, data: [10, 10, 13, 10])[...]).map(\.kind) == [.other])
        #expect(
            ProcEvent.parse(ProcMessage.build(what: 0x8000_0000, data: [13, 10, 0, 0, 1, 1])[...]).map(\.kind)
                == [.other])
    }

    /// Short, cut or foreign messages are skipped, never read past their end.
    @Test func malformedMessagesAreSkipped() {
        let exec = ProcMessage.build(what: 2, data: [12, 12])
        for length in 0..<exec.count { #expect(ProcEvent.parse(exec[0..<length]).isEmpty) }
        #expect(ProcEvent.parse(ProcMessage.build(what: 2, data: [12, 12], index: 2)[...]).isEmpty)
        #expect(ProcEvent.parse(ProcMessage.build(what: 2, data: [12])[...]).isEmpty)
    }

    /// The kernel numbers each CPU's events: a gap in one CPU's numbers is events lost.
    @Test func gapsInACPUsNumbersAreCountedAsLost() {
        var sequences = ProcSequences()
        let numbered = [(0, 1), (1, 7), (0, 2), (0, 5), (1, 8)].map {
            ProcEvent(kind: .exec(process: 1), cpu: UInt32($0.0), sequence: UInt32($0.1))
        }
        #expect(numbered.map { sequences.observe($0) } == [0, 0, 0, 2, 0])
    }
}

@Suite struct BoundedArgvTests {
    @Test func controlCharactersAndInvalidUTF8AreEscaped() {
        let argv = BoundedArgv(cmdline: Array("echo\0a\nb\tc\u{1B}[2J\\\0".utf8)[...] + [0xFF, 0xC3, 0x28, 0])
        #expect(argv.arguments == ["echo", "a\\nb\\tc\\x1b[2J\\\\", "\\xff\\xc3("])
        #expect(!argv.truncated)
    }

    /// Bidirectional overrides could make a command read as another.
    @Test func misleadingUnicodeIsEscapedAndTextIsKept() {
        let argv = BoundedArgv(cmdline: Array("rm\0\u{202E}txt.exe\0héllo\0".utf8)[...])
        #expect(argv.arguments == ["rm", "\\u{202E}txt.exe", "héllo"])
    }

    @Test func hugeArgvIsBoundedAndMarked() {
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: BoundedArgv.maximumArgumentBytes + 10) + [0]
        #expect(BoundedArgv(cmdline: long[...]).arguments[0].utf8.count == BoundedArgv.maximumArgumentBytes)
        #expect(BoundedArgv(cmdline: long[...]).truncated)
        let many = [UInt8](repeating: 0, count: BoundedArgv.maximumBytes + 100).enumerated().map {
            $0.offset % 2 == 0 ? UInt8(ascii: "x") : 0
        }
        let bounded = BoundedArgv(cmdline: many[...])
        #expect(bounded.arguments.count == BoundedArgv.maximumArguments)
        #expect(bounded.truncated)
    }

    @Test func anEmptyCmdlineIsNoArgv() {
        #expect(BoundedArgv(cmdline: [][...]).arguments.isEmpty)
    }
}
