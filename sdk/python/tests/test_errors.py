"""Typed errors for what the daemon refuses, mapped from its gRPC status."""

from __future__ import annotations

import asyncio
import socket

import grpc
import pytest

from aios_security import (
    DeadlineExceeded,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    SecurityClient,
    Unavailable,
)

from .conftest import OPERATOR, ORCHESTRATOR, TASK_AGENT


async def test_an_agent_may_not_grant(connect) -> None:
    with pytest.raises(PermissionDenied) as raised:
        await connect(TASK_AGENT).grant_temporary(TASK_AGENT, "fs:write:/tmp/*", "5m", "grant myself")
    assert raised.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert raised.value.message


async def test_an_operator_may_not_grant_but_may_confirm(connect) -> None:
    operator = connect(OPERATOR)
    with pytest.raises(PermissionDenied):
        await operator.grant_temporary(TASK_AGENT, "fs:write:/tmp/*", "5m", "operators revoke, never grant")
    # A person may answer a waiting call (the console's confirmations); this one waits nowhere.
    with pytest.raises(NotFound):
        await operator.confirm("pending-nothing", approve=True)
    with pytest.raises(PermissionDenied):
        await connect(TASK_AGENT).confirm("pending-nothing", approve=True)


async def test_bad_input_is_invalid_argument(connect) -> None:
    orchestrator = connect(ORCHESTRATOR)
    with pytest.raises(InvalidArgument) as raised:
        await orchestrator.grant_temporary(TASK_AGENT, "fs:write:/tmp/*", "10 minutes", "a bad duration")
    assert "duration" in raised.value.message
    with pytest.raises(InvalidArgument):
        await orchestrator.grant_temporary(TASK_AGENT, "not a capability", "5m", "a bad capability")
    with pytest.raises(InvalidArgument):
        await orchestrator.complete_task("")
    with pytest.raises(InvalidArgument):
        async for _ in orchestrator.query_audit(filters=["colour=blue"]):
            pass
    with pytest.raises(InvalidArgument):
        await orchestrator.authorize()


async def test_unknown_things_are_not_found(connect) -> None:
    orchestrator = connect(ORCHESTRATOR)
    with pytest.raises(NotFound):
        await orchestrator.grant_temporary("aios-agent-nobody", "fs:read:/tmp/*", "5m", "no such agent")
    with pytest.raises(NotFound):
        await orchestrator.revoke("grant-none-000000", "no such grant")
    with pytest.raises(NotFound):
        await orchestrator.confirm("pending-none", approve=True)


async def test_an_agent_may_not_read_the_ledger(connect) -> None:
    with pytest.raises(PermissionDenied):
        async for _ in connect(TASK_AGENT).query_audit(limit=1):
            pass


async def test_an_identity_of_another_ca_cannot_reach_the_daemon(daemon, socket_daemon) -> None:
    # The other daemon's CA: our client refuses this daemon's certificate, and this daemon would refuse ours.
    async with SecurityClient(daemon.address, socket_daemon.identity(ORCHESTRATOR), timeout=10) as stranger:
        with pytest.raises(Unavailable):
            await stranger.status()


async def test_no_daemon_is_unavailable(daemon) -> None:
    # A port nothing listens on: asked of the OS, then closed.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with SecurityClient(f"127.0.0.1:{port}", daemon.identity(ORCHESTRATOR), timeout=5) as client:
        with pytest.raises(Unavailable):
            await client.status()


async def test_only_the_orchestrator_or_an_operator_manages_agents(connect) -> None:
    with pytest.raises(PermissionDenied):
        await connect(TASK_AGENT).list_agents()
    with pytest.raises(PermissionDenied):
        await connect(TASK_AGENT).spawn_agent("aios-agent-system", ["/bin/true"], "escalate")


async def test_an_operator_revokes_what_the_orchestrator_granted(connect) -> None:
    grant = await connect(ORCHESTRATOR).grant_temporary(TASK_AGENT, "fs:read:/srv/revoked/*", "5m", "to be revoked")
    revoked = await connect(OPERATOR).revoke(grant.id, "operator says no")
    assert revoked.id == grant.id
    assert grant.id not in [g.id for g in await connect(ORCHESTRATOR).list_grants(TASK_AGENT)]
    with pytest.raises(FailedPrecondition):
        await connect(OPERATOR).revoke(grant.id, "twice")


async def test_a_call_past_its_timeout_is_deadline_exceeded_and_withdrawn(connect, tmp_path) -> None:
    orchestrator, agent = connect(ORCHESTRATOR), connect(TASK_AGENT)
    task_id = "task-deadline"
    await orchestrator.grant_temporary(TASK_AGENT, f"fs:delete:{tmp_path}/*", "5m", "clean up", task_id)
    try:
        with pytest.raises(DeadlineExceeded):
            await agent.execute_tool("fs.delete", {"path": str(tmp_path / "x")}, task_id=task_id, timeout=1)
        # The daemon took the caller's going away as the end of the call: nothing is left waiting.
        for _ in range(50):
            if not [p for p in await orchestrator.pending() if p.agent == TASK_AGENT]:
                break
            await asyncio.sleep(0.1)
        assert not [p for p in await orchestrator.pending() if p.agent == TASK_AGENT]
    finally:
        await orchestrator.complete_task(task_id)
