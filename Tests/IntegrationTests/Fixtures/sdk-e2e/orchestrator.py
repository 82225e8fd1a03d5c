"""The orchestrator's program of the end-to-end test, outside any sandbox: spawns the task agent, grants its task
when the ledger shows the agent was denied, completes the task once the agent has written, and reports the agent's
end. argv: server, orchestrator identity directory, the agent's command (site-packages dir, data dir), agent script.
"""
import sys
import time

from aios_security import SyncSecurityClient

SERVER, IDENTITY, SITE, DATA, SCRIPT = sys.argv[1:6]
AGENT = "aios-agent-task"
TASK = "task-e2e"


def ledger_has(security, phase=None, **match):
    """Whether the ledger holds an entry of the agent with these fields (and this phase: "result" is the entry
    written after the Broker acted, beside the decision's)."""
    for record in security.query_audit(agent=AGENT, since="10m"):
        if all(getattr(record, key) == value for key, value in match.items()) and (
            phase is None or record.details.get("phase") == phase
        ):
            return True
    return False


def wait(condition, what, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.5)
    sys.exit(f"timed out waiting for {what}")


with SyncSecurityClient(server=SERVER, identity=IDENTITY) as security:
    security.spawn_agent(AGENT, ["/usr/bin/python3", SCRIPT, SITE, DATA], reason="end-to-end test")
    wait(lambda: ledger_has(security, action="fs.write", result="denied"), "the agent's denied write")
    security.grant_temporary(
        agent=AGENT, capability=f"fs:write:{DATA}/*", duration="10m", reason="Write the task's output", task_id=TASK
    )
    wait(lambda: ledger_has(security, phase="result", action="fs.write", result="success"), "the agent's write")
    security.complete_task(TASK)
    agent = None

    def ended():
        global agent
        agent = next((a for a in security.list_agents() if a.agent == AGENT), None)
        return agent is not None and agent.state != "running" and agent.last_exit_status is not None

    wait(ended, "the agent's end")
    if agent.state != "stopped":
        security.stop_agent(AGENT, reason="end-to-end test done")
    print(f"agent exit {agent.last_exit_status}")
