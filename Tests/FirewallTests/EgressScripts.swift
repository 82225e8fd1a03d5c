/// Helper programs of the egress proxy tests, run with python3 inside the test's namespaces.
enum EgressScripts {
    /// `direct.py HOST PORT tcp|udp`: a connection (or a DNS-sized datagram) straight to HOST, around the proxy;
    /// prints `connected`, `sent` or the error.
    static let direct = """
        import socket, sys
        host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        try:
            if mode == 'tcp':
                socket.create_connection((host, port), timeout=2)
                print('connected')
            else:
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.sendto(b'\\0' * 32, (host, port))
                print('sent')
        except OSError as error:
            print('error=' + (error.strerror or str(error)))
        """

    /// `count.py ADDRESS PORT`: prints `ready`; for each connection counts the bytes to its end, then answers the
    /// count and closes.
    static let countServer = """
        import socket, sys, threading
        def serve(c):
            total = 0
            while True:
                data = c.recv(1 << 20)
                if not data: break
                total += len(data)
            c.sendall(str(total).encode())
            c.close()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], int(sys.argv[2])))
        s.listen(16)
        print('ready', flush=True)
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
        """

    /// `upload.py PROXYPORT TARGET BYTES`: through the proxy, sends BYTES as fast as it can, ends its sending side
    /// at once, and prints what the server counted.
    static let upload = """
        import socket, sys
        s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=20)
        s.sendall(b'CONNECT ' + sys.argv[2].encode() + b' HTTP/1.1\\r\\n\\r\\n')
        head = b''
        while b'\\r\\n\\r\\n' not in head: head += s.recv(1)
        chunk = b'x' * (1 << 20)
        left = int(sys.argv[3])
        while left > 0:
            s.sendall(chunk[:min(left, len(chunk))])
            left -= min(left, len(chunk))
        s.shutdown(socket.SHUT_WR)
        answer = b''
        while True:
            data = s.recv(100)
            if not data: break
            answer += data
        print(answer.decode())
        """
}
