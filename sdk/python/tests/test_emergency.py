"""The emergency stop and the signed resume through the SDK, against a daemon whose policy names an operator."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from aios_security import FailedPrecondition, PermissionDenied, SecurityClient, SyncSecurityClient

from .conftest import ORCHESTRATOR, TASK_AGENT
from .daemon import Daemon


@pytest.fixture(scope="module")
def operator_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = tmp_path_factory.mktemp("operator") / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", str(key)], check=True)
    return key


@pytest.fixture(scope="module")
def stopped_daemon(tmp_path_factory: pytest.TempPathFactory, operator_key: Path) -> Iterator[Daemon]:
    directory = tmp_path_factory.mktemp("emergency")
    public = (operator_key.parent / "id_ed25519.pub").read_text().strip()
    policy = directory / "policy.yaml"
    policy.write_text(
        "aios-agent-task:\n  capabilities: [fs:read:/tmp/*]\n"
        f'emergency:\n  operators:\n    alice: {{ssh_keys: ["{public}"]}}\n'
    )
    running = Daemon(directory, extra=["--policy", str(policy)])
    yield running
    running.stop()


def sign(key: Path, text: str, directory: Path) -> str:
    challenge = directory / "challenge.txt"
    challenge.write_text(text)
    signature = directory / "challenge.txt.sig"
    signature.unlink(missing_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", "aios-resume", str(challenge)], check=True)
    return signature.read_text()


async def test_stop_then_a_signed_resume(stopped_daemon: Daemon, operator_key: Path, tmp_path: Path) -> None:
    def client(name: str) -> SecurityClient:
        return SecurityClient(stopped_daemon.address, stopped_daemon.identity(name))

    async with client(TASK_AGENT) as agent, client(ORCHESTRATOR) as orchestrator:
        with pytest.raises(PermissionDenied):
            await agent.emergency_stop("an agent may not")
        with pytest.raises(FailedPrecondition):
            await orchestrator.resume_challenge()
        stopped = await orchestrator.emergency_stop("drill")
        assert stopped.mode == "manual" and stopped.audit_id
        status = await orchestrator.status()
        assert status.mode == "manual" and status.manual_reason == "drill" and status.manual_since is not None
        decision = await agent.authorize(capability="fs:read:/tmp/x")
        assert not decision.allowed and "manual mode" in decision.explanation

        challenge = await orchestrator.resume_challenge()
        assert challenge.namespace == "aios-resume" and challenge.signatures_needed == 1
        with pytest.raises(PermissionDenied):
            await orchestrator.resume(challenge, ["-----BEGIN SSH SIGNATURE-----\nnot one\n"])
        resumed = await orchestrator.resume(challenge, [sign(operator_key, challenge.text, tmp_path)])
        assert resumed.operators == ("alice",) and resumed.mode == "autonomous"
        assert (await agent.authorize(capability="fs:read:/tmp/x")).allowed


def test_the_blocking_client_sees_the_mode(stopped_daemon: Daemon) -> None:
    with SyncSecurityClient(stopped_daemon.address, stopped_daemon.identity(ORCHESTRATOR)) as orchestrator:
        assert orchestrator.status().mode in ("autonomous", "manual")
