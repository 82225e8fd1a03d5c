"""Grants and decisions against a real daemon: the seed's call, allowed and denied decisions, tools."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aios_security import ConfirmationRequired, Denied, Grant

from .conftest import ORCHESTRATOR, TASK_AGENT


def task() -> str:
    return f"task-{uuid.uuid4().hex[:8]}"


async def test_status_names_the_orchestrator(connect) -> None:
    status = await connect(ORCHESTRATOR).status()
    assert status.caller == "spiffe://aios.local/service/orchestrator"
    assert status.version
    assert status.emergency_state
    assert status.started_at is not None and status.started_at <= datetime.now(UTC)


async def test_the_seeds_call_works_verbatim(connect) -> None:
    security = connect(ORCHESTRATOR)
    grant = await security.grant_temporary(
        agent="aios-agent-task",
        capability="fs:write:/var/www/*",
        duration="10m",
        reason="Deploy website files",
        task_id="task-123",
    )
    try:
        assert isinstance(grant, Grant)
        assert (grant.agent, grant.capability, grant.task_id) == ("aios-agent-task", "fs:write:/var/www/*", "task-123")
        assert grant.reason == "Deploy website files"
        assert grant.audit_id.startswith("audit-")
        assert grant.expires_at is not None and grant.granted_at is not None
        assert timedelta(minutes=9) < grant.expires_at - grant.granted_at <= timedelta(minutes=10)
        assert grant.id in [g.id for g in await security.list_grants("aios-agent-task")]
    finally:
        await security.complete_task("task-123")


async def test_a_grant_allows_the_agent_until_its_task_completes(connect) -> None:
    orchestrator, agent = connect(ORCHESTRATOR), connect(TASK_AGENT)
    task_id = task()
    site = f"/srv/{task_id}"
    before = await agent.authorize(capability=f"fs:write:{site}/index.html")
    assert not before.allowed and not before.requires_confirmation
    assert "no capability" in before.explanation

    grant = await orchestrator.grant_temporary(
        agent=TASK_AGENT,
        capability=f"fs:write:{site}/*",
        duration=timedelta(minutes=5),
        reason="deploy",
        task_id=task_id,
    )
    allowed = await agent.authorize("fs.write", {"path": f"{site}/index.html", "content": "x"}, task_id=task_id)
    assert allowed.allowed and allowed
    assert allowed.capability == f"fs:write:{site}/index.html"
    assert grant.id in allowed.explanation
    assert allowed.audit_id.startswith("audit-")
    assert allowed.raise_for_outcome() is allowed
    # An agent sees its own grants.
    assert [g.id for g in await agent.list_grants()] == [grant.id]

    outside = await agent.authorize("fs.write", {"path": "/etc/passwd", "content": "x"})
    assert not outside.allowed
    with pytest.raises(Denied) as denied:
        outside.raise_for_outcome()
    assert denied.value.audit_id == outside.audit_id
    assert denied.value.explanation == outside.explanation

    ended = await orchestrator.complete_task(task_id)
    assert [g.id for g in ended] == [grant.id]
    assert not (await agent.authorize(capability=f"fs:write:{site}/index.html")).allowed


async def test_the_broker_writes_and_reads_for_a_granted_agent(connect, tmp_path: Path) -> None:
    orchestrator, agent = connect(ORCHESTRATOR), connect(TASK_AGENT)
    site = tmp_path / "www"
    site.mkdir()
    task_id = task()
    for capability in (f"fs:write:{site}/*", f"fs:read:{site}/*"):
        await orchestrator.grant_temporary(TASK_AGENT, capability, "5m", "deploy the site", task_id)
    try:
        written = await agent.execute_tool(
            "fs.write",
            {"path": str(site / "index.html"), "content": "<h1>hello</h1>"},
            reason="deploy",
            task_id=task_id,
        )
        assert written.decision.allowed
        assert written.details["bytes_written"] == "14"
        assert written.result_audit_id.startswith("audit-")
        assert (site / "index.html").read_text() == "<h1>hello</h1>"
        read = await agent.execute_tool("fs.read", {"path": str(site / "index.html")}, task_id=task_id)
        assert read.output == b"<h1>hello</h1>" and read.text == "<h1>hello</h1>"
    finally:
        await orchestrator.complete_task(task_id)


async def test_a_denied_tool_raises_denied_with_the_decision(connect) -> None:
    agent = connect(TASK_AGENT)
    with pytest.raises(Denied) as raised:
        await agent.execute_tool("fs.write", {"path": "/etc/passwd", "content": "owned"}, reason="attack")
    decision = raised.value.decision
    assert not decision.allowed
    assert decision.capability == "fs:write:/etc/passwd"
    assert "no capability" in raised.value.explanation
    assert raised.value.audit_id.startswith("audit-")
    assert "denied" in str(raised.value) and raised.value.audit_id in str(raised.value)
    # The denial is in the ledger under that id.
    records = [r async for r in connect(ORCHESTRATOR).query_audit(agent=TASK_AGENT, result="denied")]
    assert raised.value.audit_id in [r.id for r in records]


async def test_a_high_risk_call_waits_for_the_orchestrator(connect, tmp_path: Path) -> None:
    import asyncio

    orchestrator, agent = connect(ORCHESTRATOR), connect(TASK_AGENT)
    victim = tmp_path / "old.log"
    victim.write_text("keep me")
    task_id = task()
    await orchestrator.grant_temporary(TASK_AGENT, f"fs:delete:{tmp_path}/*", "5m", "clean up", task_id)
    try:
        decision = await agent.authorize("fs.delete", {"path": str(victim)}, task_id=task_id)
        assert decision.requires_confirmation and not decision.allowed and decision.risk == "high"
        with pytest.raises(ConfirmationRequired):
            decision.raise_for_outcome()

        call = asyncio.ensure_future(
            agent.execute_tool("fs.delete", {"path": str(victim)}, reason="clean up", task_id=task_id)
        )
        pending = []
        for _ in range(200):
            pending = [p for p in await orchestrator.pending() if p.agent == TASK_AGENT and p.tool == "fs.delete"]
            if pending or call.done():
                break
            await asyncio.sleep(0.1)
        assert len(pending) == 1, "the call never became pending"
        assert pending[0].arguments["path"] == str(victim)
        assert [p.id for p in await agent.pending()] == [pending[0].id]
        assert await orchestrator.confirm(pending[0].id, approve=False, reason="not today") == "denied"
        with pytest.raises(Denied) as raised:
            await call
        assert "not today" in raised.value.explanation
        assert victim.read_text() == "keep me"
    finally:
        await orchestrator.complete_task(task_id)
