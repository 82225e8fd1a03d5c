/// A DNS server for tests that need names (a forwarder's upstream), run with python3 inside a test's namespace.
public enum FakeDNSServer {
    /// `python3 -c script ADDRESS NAME=IP…`: answers A queries for the given names (TTL 1), NXDOMAIN otherwise; UDP and TCP.
    /// Names starting with `slow` are never answered (an upstream that hangs).
    public static let script = """
        import socket, struct, sys, threading
        table = dict(a.split('=') for a in sys.argv[2:])
        def answer(q):
            i = 12
            labels = []
            while q[i]:
                labels.append(q[i + 1:i + 1 + q[i]].decode().lower()); i += q[i] + 1
            name, end = '.'.join(labels), i + 5
            ip = table.get(name)
            head = struct.pack('>HHHHHH', struct.unpack('>H', q[:2])[0], 0x8180 if ip else 0x8183, 1, 1 if ip else 0, 0, 0)
            body = q[12:end]
            if ip:
                body += b'\\xc0\\x0c' + struct.pack('>HHIH', 1, 1, 1, 4) + socket.inet_aton(ip)
            return head + body
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((sys.argv[1], 53))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((sys.argv[1], 53)); t.listen(16)
        def tcp():
            while True:
                c, _ = t.accept()
                n = struct.unpack('>H', c.recv(2))[0]
                q = b''
                while len(q) < n: q += c.recv(n - len(q))
                if q[13:17] == b'slow':
                    continue
                a = answer(q)
                c.sendall(struct.pack('>H', len(a)) + a); c.close()
        threading.Thread(target=tcp, daemon=True).start()
        print('ready', flush=True)
        while True:
            q, peer = u.recvfrom(4096)
            if q[13:17] == b'slow':
                continue
            u.sendto(answer(q), peer)
        """
}
