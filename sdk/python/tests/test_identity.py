"""Identities that change while the program runs, and renewing one's own."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path

import grpc
import grpc.aio
import pytest
from cryptography import x509

from aios_security import IdentityError, InvalidArgument, PermissionDenied, SecurityClient, SyncSecurityClient
from aios_security._proto.security_pb2 import StatusRequest
from aios_security._proto.security_pb2_grpc import SecurityServiceStub
from aios_security.renewal import certificate_request, key_pem, new_key

from .conftest import ORCHESTRATOR, TASK_AGENT
from .daemon import Daemon, binary


def copy_identity(daemon: Daemon, name: str, into: Path) -> Path:
    target = into / name
    shutil.copytree(daemon.identity(name), target)
    return target


async def test_renew_identity_writes_a_new_key_and_certificate(daemon, connect, tmp_path: Path) -> None:
    directory = copy_identity(daemon, TASK_AGENT, tmp_path)
    agent = connect(directory)
    before = await agent.current_identity()
    renewed = await agent.renew_identity(write_to=directory)
    assert renewed.spiffe_id == "spiffe://aios.local/agent/aios-agent-task" == before.spiffe_id
    assert renewed.directory == str(directory)
    assert (directory / "key.pem").read_bytes() == renewed.key_pem
    assert (directory / "key.pem").stat().st_mode & 0o777 == 0o600
    # The next call presents the new certificate.
    after = await agent.current_identity()
    assert after.key_pem == renewed.key_pem and after.certificate_pem != before.certificate_pem
    assert (await agent.status()).caller == renewed.spiffe_id
    # Recorded.
    records = [r async for r in connect(ORCHESTRATOR).query_audit(event_type="certificate", action="identity_renew")]
    assert any(r.details.get("serial") == renewed.serial and r.result == "success" for r in records)


async def test_the_ca_issues_only_the_callers_own_identity(connect) -> None:
    agent = connect(TASK_AGENT)
    with pytest.raises(InvalidArgument):
        await agent.request_certificate(certificate_request(new_key(), "spiffe://aios.local/service/orchestrator"))
    # A CSR naming nothing gets the caller's own identity, never more.
    issued = await agent.request_certificate(certificate_request(new_key(), None))
    assert issued.spiffe_id == "spiffe://aios.local/agent/aios-agent-task"
    leaf = x509.load_pem_x509_certificates(issued.certificate_pem)[0]
    uris = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert uris.get_values_for_type(x509.UniformResourceIdentifier) == [issued.spiffe_id]


async def test_a_key_replaced_before_its_certificate_is_waited_for(daemon, connect, tmp_path: Path) -> None:
    directory = copy_identity(daemon, ORCHESTRATOR, tmp_path)
    client = connect(directory)
    assert (await client.status()).caller.endswith("/orchestrator")
    original = (directory / "key.pem").read_bytes()
    # Mid-renewal: the key is new, the certificate still the old one.
    (directory / "key.pem").write_bytes(key_pem(new_key()))

    async def finish_renewal() -> None:
        await asyncio.sleep(0.5)
        (directory / "key.pem").write_bytes(original)

    finishing = asyncio.ensure_future(finish_renewal())
    assert (await client.status()).caller.endswith("/orchestrator")
    await finishing


async def test_a_key_that_never_matches_is_an_identity_error(daemon, tmp_path: Path) -> None:
    from aios_security import DirectoryIdentity

    directory = copy_identity(daemon, ORCHESTRATOR, tmp_path)
    (directory / "key.pem").write_bytes(key_pem(new_key()))
    async with SecurityClient(daemon.address, DirectoryIdentity(directory, settle_timeout=0.3)) as client:
        started = time.monotonic()
        with pytest.raises(IdentityError, match="does not match"):
            await client.status()
        assert time.monotonic() - started >= 0.3
    with pytest.raises(IdentityError):
        async with SecurityClient(daemon.address, tmp_path / "missing") as missing:
            missing.identity.settle_timeout = 0  # type: ignore[attr-defined]
            await missing.status()


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory):
    """A daemon whose certificates live 15 s (renewed in their directories at 2/3 of that)."""
    running = Daemon(tmp_path_factory.mktemp("short-lived"), extra=["--identity-lifetime", "15s"])
    yield running
    running.stop()


async def test_clients_keep_working_across_renewals_of_their_files(short_lived: Daemon) -> None:
    orchestrator = SecurityClient(short_lived.address, short_lived.identity(ORCHESTRATOR), timeout=10)
    agent = SyncSecurityClient(short_lived.address, short_lived.identity(TASK_AGENT), timeout=10)
    try:
        first = await orchestrator.current_identity()
        first_channel = orchestrator._connection.channel
        seen = {first.certificate_pem}
        # Until the first certificate has expired: the daemon replaced the files at least once meanwhile.
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not (first.expired and len(seen) >= 2):
            assert (await orchestrator.status()).caller.endswith("/orchestrator")
            decision = await asyncio.to_thread(agent.authorize, capability="fs:read:/srv/renewal-probe")
            assert not decision.allowed and decision.audit_id
            seen.add((await orchestrator.current_identity()).certificate_pem)
            await asyncio.sleep(0.5)
        assert first.expired, "the first certificate should have expired by now"
        assert len(seen) >= 2, "the daemon never renewed the orchestrator's files"
        # The client presents the current files on a channel of its own, not the one opened with the first.
        current = await orchestrator.current_identity()
        assert not current.expired and orchestrator._connection.channel is not first_channel
        assert (await orchestrator.status()).caller.endswith("/orchestrator")
        assert agent.status().caller.endswith("/aios-agent-task")
        # The control: the first certificate no longer opens a connection to the daemon...
        credentials = grpc.ssl_channel_credentials(first.bundle_pem, first.key_pem, first.certificate_pem)
        async with grpc.aio.secure_channel(short_lived.address, credentials) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await SecurityServiceStub(channel).Status(StatusRequest(), timeout=5)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        # ...and a client left holding it says why instead of failing to connect.
        async with SecurityClient(short_lived.address, first, timeout=5) as stale:
            with pytest.raises(IdentityError, match="expired"):
                await stale.status()
    finally:
        await orchestrator.close()
        agent.close()


async def test_a_revoked_identity_is_refused_and_cannot_renew(daemon, connect) -> None:
    monitor = connect("aios-agent-monitor")
    assert (await monitor.status()).caller.endswith("/aios-agent-monitor")
    revoked = await asyncio.to_thread(
        subprocess.run,
        [
            binary(),
            "ca",
            "revoke",
            "--identity",
            "spiffe://aios.local/agent/aios-agent-monitor",
            "--reason",
            "compromised",
            "--state-dir",
            str(daemon.state),
            "--vault",
            daemon.vault,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert revoked.returncode == 0, revoked.stderr
    # The daemon's deny-list picks the revocation up within a second.
    for _ in range(50):
        try:
            await monitor.status()
        except PermissionDenied:
            break
        await asyncio.sleep(0.1)
    with pytest.raises(PermissionDenied, match="revoked"):
        await monitor.status()
    with pytest.raises(PermissionDenied):
        await monitor.renew_identity()


async def test_revoking_one_identity_does_not_stop_the_renewal_of_the_others(tmp_path: Path) -> None:
    # Attack (or accident): an operator revokes one agent as a whole. The daemon must keep renewing every other
    # identity it manages; the orchestrator, listed after that agent, must not be locked out when its certificate
    # expires.
    daemon = Daemon(tmp_path, extra=["--identity-lifetime", "15s"])
    try:
        revoked = await asyncio.to_thread(
            subprocess.run,
            [binary(), "ca", "revoke", "--identity", "spiffe://aios.local/agent/aios-agent-monitor"]
            + ["--reason", "compromised", "--state-dir", str(daemon.state), "--vault", daemon.vault],
            capture_output=True,
            text=True,
            check=False,
        )
        assert revoked.returncode == 0, revoked.stderr
        async with SecurityClient(daemon.address, daemon.identity(ORCHESTRATOR), timeout=10) as orchestrator:
            first = await orchestrator.current_identity()
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and not first.expired:
                await asyncio.sleep(0.5)
            await asyncio.sleep(1)
            assert (await orchestrator.status()).caller.endswith("/orchestrator")
            assert (await orchestrator.current_identity()).certificate_pem != first.certificate_pem
        # A restart renews what is due at start: the revoked identity must not stop that either.
        daemon.restart()
        async with SecurityClient(daemon.address, daemon.identity(ORCHESTRATOR), timeout=10) as orchestrator:
            assert (await orchestrator.status()).caller.endswith("/orchestrator")
        async with SecurityClient(daemon.address, daemon.identity("aios-agent-monitor"), timeout=10) as monitor:
            with pytest.raises((PermissionDenied, IdentityError)):
                await monitor.status()
    finally:
        daemon.stop()
