"""The blocking client: :class:`SyncSecurityClient`, for programs without an event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import Any, Self, TypeVar

from .client import SecurityClient
from .identity import IdentityMaterial, IdentitySource, PathLike
from .types import (
    AgentProcess,
    AuditRecord,
    AuditVerification,
    Decision,
    EmergencyStop,
    EventList,
    Grant,
    IssuedCertificate,
    PendingCall,
    RenewedIdentity,
    Resumed,
    ResumeChallenge,
    Status,
    ToolResult,
)

__all__ = ["SyncSecurityClient"]

T = TypeVar("T")


class SyncSecurityClient:
    """The same calls as :class:`SecurityClient`, blocking. It runs an asynchronous client on an event loop of its
    own, in a background thread, so it works from any thread and inside programs that run their own loop.

    Use it as a context manager, or call :meth:`close`::

        with SyncSecurityClient.from_environment() as security:
            print(security.status().caller)

    Every method takes and returns what the asynchronous one does and raises the same errors; ``query_audit``
    returns an ordinary iterator.
    """

    def __init__(
        self,
        server: str,
        identity: PathLike | IdentitySource | IdentityMaterial,
        **options: Any,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="aios-security-client", daemon=True)
        self._thread.start()
        self.client: SecurityClient = self._run(self._make(server, identity, options))

    @staticmethod
    async def _make(server: str, identity: Any, options: dict[str, Any]) -> SecurityClient:
        return SecurityClient(server, identity, **options)

    @classmethod
    def from_environment(
        cls,
        *,
        server: str | None = None,
        identity: PathLike | IdentitySource | IdentityMaterial | None = None,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> SyncSecurityClient:
        """As :meth:`SecurityClient.from_environment` (``AIOS_SOCKET`` or ``AIOS_SERVER``, and ``AIOS_IDENTITY``)."""
        probe = SecurityClient.from_environment(server=server, identity=identity, environ=environ, **options)
        return cls(probe.target.text, probe.identity, **options)

    def __repr__(self) -> str:
        return f"SyncSecurityClient(server={self.client.target.text!r}, identity={self.client.identity!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the channel and stops the client's thread."""
        if not self._loop.is_running():
            return
        try:
            self._run(self.client.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def _run(self, coroutine: Awaitable[T]) -> T:
        if threading.current_thread() is self._thread:
            raise RuntimeError("a SyncSecurityClient cannot be called from its own event loop")
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)  # type: ignore[arg-type]
        return future.result()

    def current_identity(self) -> IdentityMaterial:
        return self._run(self.client.current_identity())

    def authorize(
        self,
        tool: str | None = None,
        arguments: Mapping[str, str] | None = None,
        *,
        capability: str | None = None,
        reason: str = "",
        task_id: str = "",
        timeout: float | None = None,
    ) -> Decision:
        """See :meth:`SecurityClient.authorize`."""
        return self._run(
            self.client.authorize(
                tool, arguments, capability=capability, reason=reason, task_id=task_id, timeout=timeout
            )
        )

    def execute_tool(
        self,
        tool: str,
        arguments: Mapping[str, str] | None = None,
        *,
        reason: str = "",
        task_id: str = "",
        timeout: float | None = None,
    ) -> ToolResult:
        """See :meth:`SecurityClient.execute_tool`."""
        return self._run(self.client.execute_tool(tool, arguments, reason=reason, task_id=task_id, timeout=timeout))

    def grant_temporary(
        self,
        agent: str,
        capability: str,
        duration: str | timedelta,
        reason: str,
        task_id: str = "",
        *,
        timeout: float | None = None,
    ) -> Grant:
        """See :meth:`SecurityClient.grant_temporary`."""
        return self._run(self.client.grant_temporary(agent, capability, duration, reason, task_id, timeout=timeout))

    def revoke(self, grant_id: str, reason: str = "", *, timeout: float | None = None) -> Grant:
        """See :meth:`SecurityClient.revoke`."""
        return self._run(self.client.revoke(grant_id, reason, timeout=timeout))

    def complete_task(self, task_id: str, *, timeout: float | None = None) -> list[Grant]:
        """See :meth:`SecurityClient.complete_task`."""
        return self._run(self.client.complete_task(task_id, timeout=timeout))

    def list_grants(self, agent: str = "", *, timeout: float | None = None) -> list[Grant]:
        """See :meth:`SecurityClient.list_grants`."""
        return self._run(self.client.list_grants(agent, timeout=timeout))

    def pending(self, *, timeout: float | None = None) -> list[PendingCall]:
        """See :meth:`SecurityClient.pending`."""
        return self._run(self.client.pending(timeout=timeout))

    def confirm(self, pending_id: str, approve: bool = True, reason: str = "", *, timeout: float | None = None) -> str:
        """See :meth:`SecurityClient.confirm`."""
        return self._run(self.client.confirm(pending_id, approve, reason, timeout=timeout))

    def query_audit(
        self,
        *,
        agent: str | None = None,
        event_type: str | None = None,
        action: str | None = None,
        target_prefix: str | None = None,
        result: str | None = None,
        risk: str | None = None,
        since: str | datetime | timedelta | None = None,
        until: str | datetime | timedelta | None = None,
        limit: int | None = None,
        filters: Iterable[str] = (),
        timeout: float | None = None,
    ) -> Iterator[AuditRecord]:
        """See :meth:`SecurityClient.query_audit`; the entries arrive as the iterator advances."""
        stream: AsyncIterator[AuditRecord] = self.client.query_audit(
            agent=agent,
            event_type=event_type,
            action=action,
            target_prefix=target_prefix,
            result=result,
            risk=risk,
            since=since,
            until=until,
            limit=limit,
            filters=filters,
            timeout=timeout,
        )

        async def next_record() -> tuple[bool, AuditRecord | None]:
            try:
                return True, await stream.__anext__()
            except StopAsyncIteration:
                return False, None

        async def close_stream() -> None:
            await stream.aclose()  # type: ignore[attr-defined]

        try:
            while True:
                more, record = self._run(next_record())
                if not more:
                    return
                assert record is not None
                yield record
        finally:
            if self._loop.is_running():
                self._run(close_stream())

    def get_events(
        self,
        kind: str,
        *,
        last: str | datetime | timedelta = "5m",
        limit: int | None = None,
        timeout: float | None = None,
    ) -> EventList:
        """See :meth:`SecurityClient.get_events`."""
        return self._run(self.client.get_events(kind, last=last, limit=limit, timeout=timeout))

    def verify_audit(self, *, timeout: float | None = None) -> AuditVerification:
        """See :meth:`SecurityClient.verify_audit`."""
        return self._run(self.client.verify_audit(timeout=timeout))

    def status(self, *, timeout: float | None = None) -> Status:
        """See :meth:`SecurityClient.status`."""
        return self._run(self.client.status(timeout=timeout))

    def spawn_agent(
        self, agent: str, command: Iterable[str], reason: str = "", *, timeout: float | None = None
    ) -> AgentProcess:
        """See :meth:`SecurityClient.spawn_agent`."""
        return self._run(self.client.spawn_agent(agent, command, reason, timeout=timeout))

    def stop_agent(self, agent: str, reason: str = "", *, timeout: float | None = None) -> AgentProcess:
        """See :meth:`SecurityClient.stop_agent`."""
        return self._run(self.client.stop_agent(agent, reason, timeout=timeout))

    def list_agents(self, *, timeout: float | None = None) -> list[AgentProcess]:
        """See :meth:`SecurityClient.list_agents`."""
        return self._run(self.client.list_agents(timeout=timeout))

    def emergency_stop(self, reason: str = "emergency stop", *, timeout: float | None = None) -> EmergencyStop:
        """See :meth:`SecurityClient.emergency_stop`."""
        return self._run(self.client.emergency_stop(reason, timeout=timeout))

    def resume_challenge(self, *, timeout: float | None = None) -> ResumeChallenge:
        """See :meth:`SecurityClient.resume_challenge`."""
        return self._run(self.client.resume_challenge(timeout=timeout))

    def resume(
        self,
        challenge: str | ResumeChallenge,
        signatures: Iterable[str],
        agents: str = "thaw",
        *,
        timeout: float | None = None,
    ) -> Resumed:
        """See :meth:`SecurityClient.resume`."""
        return self._run(self.client.resume(challenge, signatures, agents, timeout=timeout))

    def request_certificate(self, csr_pem: str, *, timeout: float | None = None) -> IssuedCertificate:
        """See :meth:`SecurityClient.request_certificate`."""
        return self._run(self.client.request_certificate(csr_pem, timeout=timeout))

    def renew_identity(self, write_to: PathLike | None = None, *, timeout: float | None = None) -> RenewedIdentity:
        """See :meth:`SecurityClient.renew_identity`."""
        return self._run(self.client.renew_identity(write_to, timeout=timeout))
