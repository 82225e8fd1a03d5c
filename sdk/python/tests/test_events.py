"""Host events: the security agent's analysis loop reads them; a follower sees new ones."""

from __future__ import annotations

import asyncio

import pytest

from aios_security import InvalidArgument, PermissionDenied

from .conftest import ORCHESTRATOR, TASK_AGENT

SECURITY_AGENT = "aios-agent-security"


async def test_the_analysis_loop_reads_its_three_kinds_and_alerts(connect) -> None:
    security = connect(SECURITY_AGENT)
    # An oversized request is refused before the daemon reads it, and recorded as an alert.
    with pytest.raises(InvalidArgument):
        await security.get_events("k" * 100)
    alerts = await security.monitor.get_alerts(last="10m")
    alert = next(e for e in alerts if e.target == "kind" and e.agent == SECURITY_AGENT)
    assert alert.kind == "alerts" and alert.event_type == "security_alert" and alert.recorded
    assert alert.risk_level == "high" and alert.id.startswith("audit-")
    assert not alerts.truncated and alerts.window_since is not None

    network = await security.monitor.get_network_events(last="5m")
    files = await security.monitor.get_file_changes(last="5m")
    processes = await security.monitor.get_process_events(last="5m")
    assert all(isinstance(events, list) for events in (network, files, processes))
    assert all(e.kind == "processes" for e in processes)


async def test_an_agent_without_monitor_read_is_refused(connect) -> None:
    with pytest.raises(PermissionDenied):
        await connect(TASK_AGENT).monitor.get_network_events()
    with pytest.raises(InvalidArgument):
        await connect(ORCHESTRATOR).get_events("logins")


async def test_a_follower_gets_earlier_alerts_then_new_ones(connect) -> None:
    orchestrator, security = connect(ORCHESTRATOR), connect(SECURITY_AGENT)
    with pytest.raises(InvalidArgument):
        await security.get_events("e" * 100)
    stream = orchestrator.watch_events(["alerts"], last="10m")
    try:
        first = await asyncio.wait_for(anext(stream), 30)
        assert first.kind == "alerts" and first.recorded
        with pytest.raises(InvalidArgument):
            await security.get_events("alerts", last="9" * 100)

        async def until_since() -> None:
            async for event in stream:
                if event.target == "since" and event.agent == SECURITY_AGENT:
                    return

        await asyncio.wait_for(until_since(), 30)
    finally:
        await stream.aclose()
