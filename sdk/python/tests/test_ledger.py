"""Reading the ledger: typed records, filters, verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .conftest import ORCHESTRATOR, TASK_AGENT


async def test_query_audit_streams_typed_records(connect) -> None:
    orchestrator, agent = connect(ORCHESTRATOR), connect(TASK_AGENT)
    decision = await agent.authorize(capability="fs:read:/srv/query-audit-probe", reason="probe")
    records = [r async for r in orchestrator.query_audit(agent=TASK_AGENT, since=timedelta(minutes=5))]
    record = next(r for r in records if r.id == decision.audit_id)
    assert record.event_type == "tool_call" and record.result == "denied"
    assert record.agent == TASK_AGENT and record.target == "/srv/query-audit-probe"
    assert record.details["reason"] == "probe"
    assert record.timestamp is not None and record.timestamp <= datetime.now(UTC)
    assert record.json.startswith("{") and record.entry["id"] == record.id

    since = datetime.now(UTC) - timedelta(minutes=5)
    limited = [r async for r in orchestrator.query_audit(since=since, limit=2)]
    assert len(limited) == 2
    assert not [r async for r in orchestrator.query_audit(agent="aios-agent-nobody")]


async def test_the_ledger_verifies(connect) -> None:
    verification = await connect(ORCHESTRATOR).verify_audit()
    assert verification.intact, verification.problem
    assert verification.entries > 0
