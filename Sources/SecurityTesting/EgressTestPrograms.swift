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

    /// `python3 -c agentClient [--direct ADDRESS:PORT] [--sni NAME] [--stall] [--upload BYTES] [--hold SECONDS]
    /// TARGET…`: what an agent's plain code does with `$HTTPS_PROXY` and nothing else. For each TARGET a `CONNECT`
    /// (`--stall`: its head never ends; `--eager`: `hi` sent with it, before any answer, then its
    /// sending side shut: REPLY is then the answer and `eof` once the tunnel ends or `more`), then through a `200` tunnel
    /// `hi` (`--upload`: BYTES zero bytes instead; with
    /// `--sni`, a TLS ClientHello naming NAME); prints `TARGET STATUS [REPLY]` a line, REPLY being the answer's first
    /// line, `handshake`, `closed` or `error=…`. `--hold`: the tunnel is then kept, sending nothing, until the proxy
    /// ends it (`TARGET cut`) or SECONDS pass (`TARGET held`). `--direct`: at the end a TCP connection to
    /// ADDRESS:PORT around the proxy: `direct connected` or `direct ERROR`.
    public static let agentClient = """
        import argparse, os, socket, ssl
        arguments = argparse.ArgumentParser()
        arguments.add_argument('--direct')
        arguments.add_argument('--sni')
        arguments.add_argument('--stall', action='store_true')
        arguments.add_argument('--hold', type=float, default=0)
        arguments.add_argument('--upload', type=int, default=0)
        arguments.add_argument('--eager', action='store_true')
        arguments.add_argument('targets', nargs='*')
        options = arguments.parse_args()
        host, port = os.environ['HTTPS_PROXY'].split('//')[1].rsplit(':', 1)
        def exchange(s):
            s.sendall(b'\\0' * options.upload if options.upload else b'hi\\n')
            reply = s.recv(100)
            if not reply: raise ConnectionError()
            return reply.decode(errors='replace').split('\\n')[0].replace('\\0', '0')
        for target in options.targets:
            s = socket.create_connection((host, int(port)), timeout=5)
            ending = b'' if options.stall else b'\\r\\n'
            early = b'hi\\n' if options.eager else b''
            s.sendall(b'CONNECT ' + target.encode() + b' HTTP/1.1\\r\\nHost: ' + target.encode() + b'\\r\\n' + ending + early)
            if options.eager: s.shutdown(socket.SHUT_WR)
            head = b''
            while b'\\r\\n\\r\\n' not in head:
                chunk = s.recv(1)
                if not chunk: break
                head += chunk
            status = head.split(b' ')[1].decode() if head.count(b' ') else 'none'
            if status != '200':
                print(target, status, flush=True)
                s.close()
                continue
            try:
                if options.sni:
                    context = ssl.create_default_context()
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                    context.wrap_socket(s, server_hostname=options.sni)
                    reply = 'handshake'
                elif options.eager:
                    reply = (head.split(b'\\r\\n\\r\\n', 1)[1] + s.recv(100)).decode().strip()
                    s.settimeout(3)
                    reply += ' ' + ('eof' if s.recv(100) == b'' else 'more')
                else:
                    reply = exchange(s)
            except (ssl.SSLEOFError, ConnectionError):
                reply = 'closed'
            except ssl.SSLError as error:
                reply = 'error=' + type(error).__name__
            except OSError as error:
                reply = 'error=' + str(error)
            print(target, status, reply, flush=True)
            if options.hold:
                outcome = 'held'
                try:
                    s.settimeout(options.hold)
                    while s.recv(65536): pass
                    outcome = 'cut'
                except socket.timeout:
                    pass
                except OSError:
                    outcome = 'cut'
                print(target, outcome, flush=True)
            s.close()
        if options.direct:
            address, direct_port = options.direct.rsplit(':', 1)
            try:
                socket.create_connection((address, int(direct_port)), timeout=2)
                print('direct connected')
            except OSError as error:
                print('direct', error.strerror)
        """
}
