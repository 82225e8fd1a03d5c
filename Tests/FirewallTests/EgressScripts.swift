/// Helper programs of the egress proxy tests, run with python3 inside the test's namespaces.
enum EgressScripts {
    /// `agent.py PROXYPORT TARGET plain|sni NAME|stall`: what an agent's plain code does with `HTTPS_PROXY`: `CONNECT
    /// TARGET`, then a line through the tunnel (plain) or a TLS ClientHello naming NAME (sni); `stall` never ends its
    /// request's head. Prints the proxy's
    /// status code, then what came back (`reply=…`, `closed`, or `error=…`).
    static let agent = """
        import socket, ssl, sys
        port, target, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        s = socket.create_connection(('127.0.0.1', port), timeout=5)
        ending = b'' if mode == 'stall' else b'\\r\\n'
        s.sendall(b'CONNECT ' + target.encode() + b' HTTP/1.1\\r\\nHost: ' + target.encode() + b'\\r\\n' + ending)
        head = b''
        while b'\\r\\n\\r\\n' not in head:
            chunk = s.recv(1)
            if not chunk: break
            head += chunk
        status = head.split(b' ')[1].decode() if head.count(b' ') else 'none'
        print(status, flush=True)
        if status != '200': sys.exit(0)
        try:
            if mode == 'plain':
                s.sendall(b'ping\\n')
                print('reply=' + s.recv(100).decode().strip())
            else:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                context.wrap_socket(s, server_hostname=sys.argv[4])
                print('handshake')
        except (ssl.SSLError, ConnectionError) as error:
            print('closed' if isinstance(error, (ssl.SSLEOFError, ConnectionError)) else 'error=' + type(error).__name__)
        except OSError as error:
            print('error=' + str(error))
        """

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
}
