"""Attack: an agent holds a certificate of the same CA. Listening where a client expects the daemon (a socket path it
could bind, a port), it must not receive the client's calls: the client accepts only a certificate naming the
daemon's host names (127.0.0.1, ::1, localhost), which the CA never puts in an agent's certificate."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest

from aios_security import SecurityClient, Unavailable

from .conftest import ORCHESTRATOR, TASK_AGENT


class Impostor:
    """A TLS server presenting the agent's own certificate, recording every byte a client sends after the
    handshake (a gRPC client's first bytes would be the HTTP/2 preface and then the call)."""

    def __init__(self, identity: Path) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(identity / "cert.pem", identity / "key.pem")
        self.context.load_verify_locations(identity / "bundle.pem")
        self.context.set_alpn_protocols(["h2"])
        self.received = bytearray()
        self.handshakes = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.handshakes += 1
        try:
            while data := await reader.read(65536):
                self.received += data
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


async def test_an_agent_posing_as_the_daemon_on_a_socket_gets_nothing(socket_daemon, tmp_path: Path) -> None:
    impostor = Impostor(socket_daemon.identity(TASK_AGENT))
    path = tmp_path / "daemon.sock"
    server = await asyncio.start_unix_server(impostor.handle, path=str(path), ssl=impostor.context)
    try:
        async with SecurityClient(f"unix:{path}", socket_daemon.identity(ORCHESTRATOR), timeout=5) as client:
            with pytest.raises(Unavailable):
                await client.grant_temporary(TASK_AGENT, "fs:write:/etc/*", "10m", "would leak to the impostor")
    finally:
        server.close()
        await server.wait_closed()
    assert not impostor.received


async def test_an_agent_posing_as_the_daemon_on_a_port_gets_nothing(daemon) -> None:
    impostor = Impostor(daemon.identity(TASK_AGENT))
    server = await asyncio.start_server(impostor.handle, host="127.0.0.1", port=0, ssl=impostor.context)
    port = server.sockets[0].getsockname()[1]
    try:
        async with SecurityClient(f"127.0.0.1:{port}", daemon.identity(ORCHESTRATOR), timeout=5) as client:
            with pytest.raises(Unavailable):
                await client.status()
    finally:
        server.close()
        await server.wait_closed()
    assert not impostor.received


async def test_the_impostor_check_detects_a_leak(daemon) -> None:
    # The control: a server holding the daemon's own certificate (and key) is trusted, and the impostor sees the
    # call's bytes, so an empty `received` above means the client refused, not that nothing was measured.
    impostor = Impostor(daemon.identity("aios-sec"))
    server = await asyncio.start_server(impostor.handle, host="127.0.0.1", port=0, ssl=impostor.context)
    port = server.sockets[0].getsockname()[1]
    try:
        async with SecurityClient(f"127.0.0.1:{port}", daemon.identity(ORCHESTRATOR), timeout=2) as client:
            with pytest.raises(Exception):  # noqa: B017 - the impostor never answers; any failure will do
                await client.status()
    finally:
        server.close()
        await server.wait_closed()
    assert impostor.received.startswith(b"PRI * HTTP/2.0")
