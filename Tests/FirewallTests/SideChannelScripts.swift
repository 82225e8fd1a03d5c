/// Helpers for the side-channel tests (issue 14): what an unprivileged process can send without a connection.
enum SideChannelScripts {
    /// `ping.py HOST PAYLOAD_BYTES COUNT [established]`: COUNT echo requests at once through an unprivileged ping
    /// socket (the kind any user may open when `ping_group_range` allows it), each carrying `EXFIL:` and padding,
    /// after one ordinary ping on the same socket when asked; prints how many replies came back within a second
    /// (the ordinary ping's reply not counted).
    static let ping = """
        import socket, struct, sys, time
        host, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        v6 = ':' in host
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM,
                          socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
        payload = (b'EXFIL:' + b'x' * size)[:size]
        if len(sys.argv) > 4:
            # First one ordinary ping and its reply: later requests of the same socket are "established".
            s.sendto(struct.pack('>BBHHH', 128 if v6 else 8, 0, 0, 0, 9999) + b'x' * 56, (host, 0))
            s.settimeout(1.0)
            try:
                s.recv(65536)
            except OSError:
                pass
        for seq in range(count):
            try:
                s.sendto(struct.pack('>BBHHH', 128 if v6 else 8, 0, 0, 0, seq) + payload, (host, 0))
            except OSError:
                pass
        s.settimeout(0.2)
        replies, deadline = 0, time.time() + 1.0
        while time.time() < deadline:
            try:
                s.recv(65536); replies += 1
            except OSError:
                pass
        print(replies)
        """

    /// `udpsend.py HOST DPORT SPORT [INTERFACE]`: one datagram from SPORT (to a broadcast address when asked,
    /// bound to INTERFACE when given); prints `sent` or the error.
    static let udpSend = """
        import socket, sys
        host, dport, sport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        v6 = ':' in host
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if not v6: s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if len(sys.argv) > 4: s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[4].encode())
        s.bind(('::' if v6 else '0.0.0.0', sport))
        try:
            s.sendto(b'EXFIL:dhcp-side-door', (host, dport) if not v6 else (host, dport, 0, socket.if_nametoindex(sys.argv[4]) if len(sys.argv) > 4 else 0))
            print('sent')
        except OSError as error:
            print(error)
        """

    /// `udplog.py PORT FILE INTERFACE`: receives UDP on PORT (IPv4 and IPv6, broadcast and the DHCPv6 group on
    /// INTERFACE too) and appends one line per datagram to FILE.
    static let udpLog = """
        import socket, struct, sys, threading
        port, path, interface = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        def loop(s):
            while True:
                data, peer = s.recvfrom(4096)
                with open(path, 'a') as f: f.write('%s %s\\n' % (peer[0], data[:40]))
        sockets = []
        for family, address in [(socket.AF_INET, '0.0.0.0'), (socket.AF_INET6, '::')]:
            s = socket.socket(family, socket.SOCK_DGRAM)
            if family == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((address, port))
            if family == socket.AF_INET6:
                group = socket.inet_pton(socket.AF_INET6, 'ff02::1:2') + struct.pack('@I', socket.if_nametoindex(interface))
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, group)
            threading.Thread(target=loop, args=(s,), daemon=True).start()
        print('ready', flush=True)
        threading.Event().wait()
        """

    /// `dnsslow.py SERVER SECONDS`: the starving client of issue 14 — 8 queries a second for names the upstream
    /// never answers (UDP, each from a new socket), and 64 TCP connections that each send one byte every 4 s.
    static let slowDNSClient = """
        import socket, struct, sys, threading, time
        server, seconds = sys.argv[1], float(sys.argv[2])
        end = time.time() + seconds
        def query(n):
            name = b'\\x04slow' + bytes([len(str(n))]) + str(n).encode() + b'\\x07example\\x04test\\x00'
            return struct.pack('>HHHHHH', n & 0xffff, 0x0100, 1, 0, 0, 0) + name + struct.pack('>HH', 1, 1)
        def slowloris():
            try:
                s = socket.create_connection((server, 53), timeout=2)
                while time.time() < end:
                    s.send(b'\\x00'); time.sleep(4)
            except OSError:
                pass
        for _ in range(64): threading.Thread(target=slowloris, daemon=True).start()
        n, sockets = 0, []
        while time.time() < end:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.sendto(query(n), (server, 53)); sockets.append(u); n += 1
            time.sleep(0.125)
        print(n)
        """
}
