"""`aios-sec mcp` seen by the Python `mcp` client from PyPI, against a real daemon."""

import asyncio
import hashlib
import json
import re
import subprocess
import time

from conftest import BINARY
from mcp import Client, StdioServerParameters

BROKER_TOOLS = {"fs.read", "fs.list", "fs.write", "fs.mkdir", "fs.delete", "process.list", "process.spawn", "process.kill"}
PACKAGE_TOOLS = {"pkg.install", "pkg.update", "pkg.remove", "pkg.pip_install"}


def client(daemon, identity: str = "aios-agent-task") -> Client:
    return Client(StdioServerParameters(command=BINARY, args=daemon.mcp_arguments(identity)))


def grant(daemon, capability: str) -> None:
    granted = daemon.call(
        "grant", "orchestrator", "--agent", "aios-agent-task", "--capability", capability, "--duration", "10m",
        "--reason", "mcp test",
    )
    assert granted.returncode == 0, granted.stderr


def pin(tool) -> str:
    """The SHA-256 a client computes from what it received: sorted, compact JSON of the pinned members."""
    received = tool.model_dump(by_alias=True, exclude_none=True, mode="json")
    pinned = {key: received[key] for key in ("name", "description", "inputSchema", "annotations")}
    canonical = json.dumps(pinned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_tools_are_listed_with_pins_the_client_can_recompute(daemon):
    async def scenario():
        async with client(daemon) as session:
            return (await session.list_tools()).tools

    tools = asyncio.run(scenario())
    assert {tool.name for tool in tools} == BROKER_TOOLS | PACKAGE_TOOLS
    printed = subprocess.run([BINARY, "mcp", "--print-tool-hashes"], capture_output=True, text=True, check=True)
    pins = dict(reversed(line.split()) for line in printed.stdout.splitlines())
    for tool in tools:
        assert tool.meta["aios.security/sha256"] == pin(tool) == pins[tool.name], tool.name
    write = next(tool for tool in tools if tool.name == "fs.write")
    assert set(write.input_schema["required"]) == {"path", "content"}
    assert {"reason", "task_id"} <= set(write.input_schema["properties"])


def test_an_allowed_call_runs_and_a_denied_one_explains(daemon):
    demo = daemon.directory / "demo"
    demo.mkdir()
    grant(daemon, f"fs:write:{demo}/*")

    async def scenario():
        async with client(daemon) as session:
            allowed = await session.call_tool(
                "fs.write", {"path": str(demo / "hello.txt"), "content": "hi from python", "reason": "test"}
            )
            denied = await session.call_tool("fs.write", {"path": "/etc/passwd", "content": "x"})
            malformed = await session.call_tool("fs.write", {"path": 7, "content": "x"})
            return allowed, denied, malformed

    allowed, denied, malformed = asyncio.run(scenario())
    assert not allowed.is_error, allowed
    assert (demo / "hello.txt").read_text() == "hi from python"
    assert denied.is_error
    decision = denied.structured_content["decision"]
    assert decision["allowed"] is False and decision["audit_id"]
    assert denied.content[0].text.startswith("denied: fs:write:/etc/passwd")
    assert decision["explanation"] in denied.content[0].text and decision["audit_id"] in denied.content[0].text
    assert malformed.is_error and "argument 'path' must be a string" in malformed.content[0].text


def test_a_high_risk_call_waits_for_the_orchestrator(daemon):
    demo = daemon.directory / "demo"
    demo.mkdir()
    victim = demo / "victim.txt"
    victim.write_text("x")
    grant(daemon, f"fs:delete:{demo}/*")

    def approve() -> str:
        for _ in range(300):
            pending = daemon.call("pending", "orchestrator", "--json")
            found = re.search(r"pending-[0-9a-f]+", pending.stdout)
            if found:
                assert victim.exists(), "nothing happens before the confirmation"
                return daemon.call("confirm", "orchestrator", "--pending-id", found.group(0)).stdout
            time.sleep(0.2)
        raise AssertionError("the call never became pending")

    async def scenario():
        async with client(daemon) as session:
            call = asyncio.create_task(session.call_tool("fs.delete", {"path": str(victim), "reason": "cleanup"}))
            outcome = await asyncio.to_thread(approve)
            return outcome, await call

    outcome, result = asyncio.run(scenario())
    assert outcome == "approved\n"
    assert not result.is_error, result
    assert result.structured_content["decision"]["explanation"].startswith("confirmed by")
    assert not victim.exists()
