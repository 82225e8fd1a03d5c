/// Python programs of the egress tests: the fake API behind the proxy, and an agent's plain client of it.
public enum EgressTestPrograms {
    /// `python3 -c echoServer ADDRESS PORT`: prints `ready`, then answers whatever arrives with `api:` and the same
    /// bytes, until each peer closes.
    public static let echoServer = """
        import socket, sys, threading
        def serve(c):
            try:
                while True:
                    data = c.recv(65536)
                    if not data: break
                    c.sendall(b'api:' + data)
            except OSError: pass
            c.close()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], int(sys.argv[2])))
        s.listen(64)
        print('ready', flush=True)
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
        """

    /// `python3 -c agentClient DIRECT TARGET…`: what an agent's plain code does with `$HTTPS_PROXY` and nothing
    /// else: for each TARGET a `CONNECT`, then `hi` through the tunnel when it is `200`; prints `TARGET STATUS
    /// [REPLY]` a line. Then a direct TCP connection to DIRECT (`ADDRESS:PORT`) around the proxy: `direct
    /// connected` or `direct ERROR`.
    public static let agentClient = """
        import os, socket, sys
        host, port = os.environ['HTTPS_PROXY'].split('//')[1].rsplit(':', 1)
        for target in sys.argv[2:]:
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(b'CONNECT ' + target.encode() + b' HTTP/1.1\\r\\n\\r\\n')
            head = b''
            while b'\\r\\n\\r\\n' not in head:
                chunk = s.recv(1)
                if not chunk: break
                head += chunk
            status = head.split(b' ')[1].decode() if head.count(b' ') else 'none'
            if status == '200':
                s.sendall(b'hi\\n')
                print(target, status, s.recv(100).decode().strip(), flush=True)
            else:
                print(target, status, flush=True)
            s.close()
        address, direct_port = sys.argv[1].rsplit(':', 1)
        try:
            socket.create_connection((address, int(direct_port)), timeout=2)
            print('direct connected')
        except OSError as error:
            print('direct', error.strerror)
        """
}
