"""from_environment, the Unix socket, and the blocking client."""

from __future__ import annotations

import pytest

from aios_security import InvalidArgument, SecurityClient, SyncSecurityClient

from .conftest import ORCHESTRATOR, TASK_AGENT


async def test_from_environment_reads_the_socket_and_identity(socket_daemon) -> None:
    environ = {"AIOS_SOCKET": str(socket_daemon.socket), "AIOS_IDENTITY": str(socket_daemon.identity(TASK_AGENT))}
    async with SecurityClient.from_environment(environ=environ) as security:
        assert security.target.text == f"unix:{socket_daemon.socket}"
        status = await security.status()
        assert status.caller == "spiffe://aios.local/agent/aios-agent-task"


async def test_from_environment_reads_a_tcp_server(daemon) -> None:
    environ = {"AIOS_SERVER": daemon.address, "AIOS_IDENTITY": str(daemon.identity(ORCHESTRATOR))}
    async with SecurityClient.from_environment(environ=environ) as security:
        assert (await security.status()).caller.endswith("/orchestrator")


async def test_explicit_arguments_win_over_the_environment(daemon) -> None:
    environ = {"AIOS_SOCKET": "/nonexistent/aios.sock", "AIOS_IDENTITY": "/nonexistent"}
    async with SecurityClient.from_environment(
        server=daemon.address, identity=daemon.identity(ORCHESTRATOR), environ=environ
    ) as security:
        assert (await security.status()).caller.endswith("/orchestrator")


def test_from_environment_says_what_is_missing() -> None:
    with pytest.raises(InvalidArgument, match="AIOS_SOCKET or AIOS_SERVER"):
        SecurityClient.from_environment(environ={"AIOS_IDENTITY": "/x"})
    with pytest.raises(InvalidArgument, match="AIOS_IDENTITY"):
        SecurityClient.from_environment(environ={"AIOS_SERVER": "127.0.0.1:9090"})
    with pytest.raises(InvalidArgument, match="absolute"):
        SecurityClient.from_environment(environ={"AIOS_SOCKET": "relative.sock", "AIOS_IDENTITY": "/x"})
    with pytest.raises(InvalidArgument, match="HOST:PORT"):
        SecurityClient("localhost", "/x")


def test_the_sync_client_over_the_socket(socket_daemon) -> None:
    environ = {"AIOS_SOCKET": str(socket_daemon.socket), "AIOS_IDENTITY": str(socket_daemon.identity(ORCHESTRATOR))}
    with SyncSecurityClient.from_environment(environ=environ) as security:
        grant = security.grant_temporary(
            agent="aios-agent-task",
            capability="fs:write:/var/www/*",
            duration="10m",
            reason="Deploy website files",
            task_id="task-sync",
        )
        assert grant.id in [g.id for g in security.list_grants(TASK_AGENT)]
        records = list(security.query_audit(agent=TASK_AGENT, event_type="capability_grant"))
        assert grant.audit_id in [r.id for r in records]
        assert all(r.event_type == "capability_grant" for r in records)
        # Stopping early closes the stream.
        first = next(iter(security.query_audit(limit=5)))
        assert first.id.startswith("audit-")
        assert [g.id for g in security.complete_task("task-sync")] == [grant.id]
