"""Where the daemon is: a TCP address or a Unix socket, as a gRPC target."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidArgument

# The name the daemon's server certificate carries besides 127.0.0.1 and ::1. A Unix socket has no host name, so the
# client checks the certificate for this one (the chain to the CA is verified either way).
SOCKET_SERVER_NAME = "localhost"


@dataclass(frozen=True)
class Target:
    """A parsed daemon address: ``grpc_target`` for the channel, ``server_name`` to verify the certificate against
    when the target itself names none (a Unix socket)."""

    grpc_target: str
    server_name: str | None
    text: str

    @classmethod
    def socket(cls, path: str) -> Target:
        if not path.startswith("/"):
            raise InvalidArgument(f"the daemon's socket must be an absolute path, not '{path}'")
        return cls(grpc_target=f"unix:{path}", server_name=SOCKET_SERVER_NAME, text=f"unix:{path}")

    @classmethod
    def parse(cls, server: str) -> Target:
        """``HOST:PORT``, ``[IPv6]:PORT``, ``unix:PATH``, ``unix:///PATH`` or an absolute socket path."""
        if server.startswith("unix://"):
            return cls.socket(server[len("unix://") :])
        if server.startswith("unix:"):
            return cls.socket(server[len("unix:") :])
        if server.startswith("/"):
            return cls.socket(server)
        host, colon, port = server.rpartition(":")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InvalidArgument(f"the daemon's address '{server}' must be HOST:PORT or unix:PATH")
        if ":" in host and not host.startswith("["):
            raise InvalidArgument(f"an IPv6 address needs brackets: '[{host}]:{port}'")
        return cls(grpc_target=server, server_name=None, text=server)
