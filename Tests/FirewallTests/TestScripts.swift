import SecurityTesting

/// Small Python helpers the namespace tests run inside the namespaces (python3 is on every test machine).
enum TestScripts {
    static let all: [(String, String)] = [
        ("serve.py", serve), ("connect.py", connect), ("dnsq.py", dnsq), ("dnsd.py", FakeDNSServer.script),
        ("echo.py", EgressTestPrograms.echoServer), ("agent.py", EgressTestPrograms.agentClient),
        ("direct.py", EgressScripts.direct), ("count.py", EgressScripts.countServer),
        ("upload.py", EgressScripts.upload),
        ("ping.py", SideChannelScripts.ping), ("udpsend.py", SideChannelScripts.udpSend),
        ("udplog.py", SideChannelScripts.udpLog), ("dnsslow.py", SideChannelScripts.slowDNSClient),
    ]

    /// `serve.py ADDRESS PORT…`: accepts TCP on each port and keeps each connection until the peer closes.
    static let serve = """
        import socket, sys, threading
        def hold(c):
            try:
                while c.recv(1024): pass
            except OSError: pass
            c.close()
        def loop(s):
            while True:
                c, _ = s.accept()
                threading.Thread(target=hold, args=(c,), daemon=True).start()
        family = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
        for port in sys.argv[2:]:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], int(port)))
            s.listen(512)
            threading.Thread(target=loop, args=(s,), daemon=True).start()
        print('ready', flush=True)
        threading.Event().wait()
        """

    /// `connect.py HOST PORT COUNT hold|close`: COUNT connections at once (a flood arrives together, so a dropped
    /// SYN's timeout does not spread it out); prints how many were accepted.
    static let connect = """
        import socket, sys, threading
        host, port, count, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        kept, lock = [], threading.Lock()
        def one():
            try:
                s = socket.create_connection((host, port), timeout=0.8)
                if mode == 'close': s.close()
                with lock: kept.append(s)
            except OSError:
                pass
        threads = [threading.Thread(target=one) for _ in range(count)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(len(kept))
        """

    /// `dnsq.py SERVER NAME udp|tcp`: one A query; prints `rcode=N addresses=…` or `timeout`.
    static let dnsq = """
        import socket, struct, sys, random
        server, name, mode = sys.argv[1], sys.argv[2], sys.argv[3]
        qid = random.randrange(65536)
        q = struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0)
        q += b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\\0' + struct.pack('>HH', 1, 1)
        try:
            if mode == 'tcp':
                s = socket.create_connection((server, 53), timeout=1.5)
                s.sendall(struct.pack('>H', len(q)) + q)
                n = struct.unpack('>H', s.recv(2))[0]
                r = b''
                while len(r) < n: r += s.recv(n - len(r))
            else:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(1.5)
                s.sendto(q, (server, 53))
                r = s.recv(4096)
        except OSError:
            print('timeout'); sys.exit(0)
        rid, flags, qd, an = struct.unpack('>HHHH', r[:8])
        if rid != qid:
            print('wrong id'); sys.exit(0)
        i = 12
        while r[i]: i += r[i] + 1
        i += 5
        addrs = []
        for _ in range(an):
            i += 2 if r[i] >= 0xC0 else 0
            t, c, ttl, l = struct.unpack('>HHIH', r[i:i + 10])
            if t == 1: addrs.append(socket.inet_ntoa(r[i + 10:i + 14]))
            i += 10 + l
        print('rcode=%d addresses=%s' % (flags & 15, ','.join(addrs)))
        """
}
