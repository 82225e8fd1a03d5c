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
}
