"""Fixtures: real daemons (TCP and Unix socket) and clients as their identities."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from aios_security import SecurityClient

from .daemon import Daemon

ORCHESTRATOR = "orchestrator"
OPERATOR = "operator-admin"
TASK_AGENT = "aios-agent-task"


@pytest.fixture(scope="session")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon on a free loopback port for the session."""
    running = Daemon(tmp_path_factory.mktemp("daemon"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def socket_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon on a Unix socket for the session."""
    directory = tmp_path_factory.mktemp("socket-daemon")
    running = Daemon(directory, socket=directory / "aios.sock")
    yield running
    running.stop()


@pytest.fixture
async def connect(daemon: Daemon) -> AsyncIterator[Callable[..., SecurityClient]]:
    """``connect(NAME or directory, **options)``: a client of the TCP daemon, closed when the test ends."""
    clients: list[SecurityClient] = []

    def make(identity: str | Path, **options: object) -> SecurityClient:
        directory = identity if isinstance(identity, Path) else daemon.identity(identity)
        client = SecurityClient(daemon.address, directory, **options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
