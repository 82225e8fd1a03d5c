"""The asynchronous client: :class:`SecurityClient`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Self

from . import renewal
from ._connection import Connection
from ._proto import security_pb2 as pb
from ._target import Target
from ._values import format_duration, time_filter
from .errors import Denied, IdentityError, InvalidArgument
from .analysis import Analysis
from .monitor import Monitor
from .identity import (
    DirectoryIdentity,
    IdentityMaterial,
    IdentitySource,
    MemoryIdentity,
    PathLike,
    certificate_identity,
)
from .types import (
    AgentProcess,
    AuditRecord,
    AuditVerification,
    Decision,
    EmergencyStop,
    EventList,
    Grant,
    HostEvent,
    IssuedCertificate,
    PendingCall,
    RenewedIdentity,
    Resumed,
    ResumeChallenge,
    Status,
    ToolResult,
    parse_time,
)

__all__ = ["SecurityClient", "format_duration"]


class SecurityClient:
    """A connection to the aiOS Security daemon as one identity (mTLS; the daemon knows the caller only by its
    certificate). Asynchronous (``asyncio``); :class:`~aios_security.SyncSecurityClient` is the blocking twin.

    Use it as an async context manager, or call :meth:`close` when done::

        async with SecurityClient.from_environment() as security:
            grant = await security.grant_temporary(
                agent="aios-agent-task", capability="fs:write:/var/www/*", duration="10m",
                reason="Deploy website files", task_id="task-123")

    Before every call the client looks at the identity's files; when they were replaced (a renewal) it loads them
    again and opens a new channel, so a long-running program keeps working across renewals. Calls already under way
    finish on the channel they started on.

    Args:
        server: ``HOST:PORT`` (``127.0.0.1:9091``, ``[::1]:9091``), ``unix:PATH`` or an absolute socket path.
        identity: An identity directory (key.pem, cert.pem, bundle.pem), or an :class:`IdentitySource`, or an
            :class:`IdentityMaterial` held in memory.
        timeout: Seconds a call may take (None: no limit) unless the call says otherwise.
        tool_timeout: Seconds :meth:`execute_tool` may take: a high-risk call waits for the orchestrator's
            confirmation (the daemon's own limit is 60 s by default).
    """

    def __init__(
        self,
        server: str,
        identity: PathLike | IdentitySource | IdentityMaterial,
        *,
        timeout: float | None = 30.0,
        tool_timeout: float | None = 300.0,
    ) -> None:
        self.target = Target.parse(server)
        if isinstance(identity, IdentityMaterial):
            self.identity: IdentitySource = MemoryIdentity(identity)
        elif isinstance(identity, (str, os.PathLike)):
            self.identity = DirectoryIdentity(identity)
        else:
            self.identity = identity
        self.timeout = timeout
        self.tool_timeout = tool_timeout
        self._connection = Connection(self.target, self.identity)

    @classmethod
    def from_environment(
        cls,
        *,
        server: str | None = None,
        identity: PathLike | IdentitySource | IdentityMaterial | None = None,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> SecurityClient:
        """A client configured the way the daemon configures the agents it launches.

        The daemon: ``server``, else ``AIOS_SOCKET`` (the daemon's Unix socket; inside an agent's sandbox the only
        way out), else ``AIOS_SERVER`` (``HOST:PORT`` or ``unix:PATH``). The identity: ``identity``, else the
        directory ``AIOS_IDENTITY``. Raises :class:`InvalidArgument` when either is missing.
        """
        env = os.environ if environ is None else environ
        if server is None:
            if env.get("AIOS_SOCKET"):
                server = Target.socket(env["AIOS_SOCKET"]).text
            elif env.get("AIOS_SERVER"):
                server = env["AIOS_SERVER"]
            else:
                raise InvalidArgument("no daemon given: pass server=, or set AIOS_SOCKET or AIOS_SERVER")
        if identity is None:
            if not env.get("AIOS_IDENTITY"):
                raise InvalidArgument("no identity given: pass identity=, or set AIOS_IDENTITY (a directory)")
            identity = env["AIOS_IDENTITY"]
        return cls(server, identity, **options)

    def __repr__(self) -> str:
        return f"SecurityClient(server={self.target.text!r}, identity={self.identity!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the channel (calls under way are cancelled). The client cannot be used afterwards."""
        await self._connection.close()

    # MARK: Identity

    async def current_identity(self) -> IdentityMaterial:
        """The identity the next call will present (loaded again if its files changed)."""
        await self._connection.stub()
        assert self._connection.material is not None
        return self._connection.material

    async def _call(self, method: str, request: Any, timeout: float | None) -> Any:
        return await self._connection.call(method, request, timeout)

    def _timeout(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    # MARK: Decisions

    async def authorize(
        self,
        tool: str | None = None,
        arguments: Mapping[str, str] | None = None,
        *,
        capability: str | None = None,
        reason: str = "",
        task_id: str = "",
        timeout: float | None = None,
    ) -> Decision:
        """Asks whether the caller may use ``tool`` with ``arguments`` (or holds ``capability``, e.g.
        ``fs:write:/var/www/index.html``). Nothing runs; the decision is recorded in the ledger.

        A denial is an answer, not an error: check ``decision.allowed`` (or call
        :meth:`Decision.raise_for_outcome`). A high-risk tool answers ``allowed=False, requires_confirmation=True``.
        Raises :class:`InvalidArgument` for a malformed request.
        """
        if (tool is None) == (capability is None):
            raise InvalidArgument("authorize needs a tool or a capability (one of them)")
        request = pb.AuthorizeRequest(
            tool=tool or "",
            arguments=dict(arguments or {}),
            capability=capability or "",
            reason=reason,
            task_id=task_id,
        )
        response = await self._call("Authorize", request, self._timeout(timeout))
        return Decision._from_proto(response.decision)

    async def execute_tool(
        self,
        tool: str,
        arguments: Mapping[str, str] | None = None,
        *,
        reason: str = "",
        task_id: str = "",
        timeout: float | None = None,
    ) -> ToolResult:
        """Has the Broker run a built-in tool (``fs.read``, ``fs.write``, ``fs.list``, ``process.spawn``, ...) for
        the caller, after the Gate allowed it and the ledger recorded the decision.

        A high-risk tool waits until the orchestrator confirms it (or the daemon's confirmation timeout passes).
        Raises :class:`Denied` (with the decision's explanation and ledger entry) when the daemon decides no, and
        the error of the tool's failure (e.g. :class:`FailedPrecondition`, :class:`ResourceExhausted`) when an
        allowed tool fails.
        """
        request = pb.ExecuteToolRequest(tool=tool, arguments=dict(arguments or {}), reason=reason, task_id=task_id)
        response = await self._call("ExecuteTool", request, self.tool_timeout if timeout is None else timeout)
        result = ToolResult._from_proto(response)
        if not result.decision.allowed:
            raise Denied(result.decision)
        return result

    # MARK: Grants

    async def grant_temporary(
        self,
        agent: str,
        capability: str,
        duration: str | timedelta,
        reason: str,
        task_id: str = "",
        *,
        timeout: float | None = None,
    ) -> Grant:
        """Orchestrator only: gives ``agent`` the ``capability`` for ``duration`` (``"10m"``, ``"1h30m"`` or a
        timedelta; at most the policy's limit), within the agent's role ceiling. ``task_id`` ties the grant to a
        task (:meth:`complete_task` ends it). The grant takes effect once the ledger has recorded it.

        Raises :class:`PermissionDenied` (not the orchestrator, outside the ceiling, a grant to itself),
        :class:`NotFound` (unknown agent), :class:`InvalidArgument` (capability, duration or reason).
        """
        request = pb.GrantTemporaryRequest(
            agent=agent, capability=capability, duration=format_duration(duration), reason=reason, task_id=task_id
        )
        response = await self._call("GrantTemporary", request, self._timeout(timeout))
        return Grant._from_proto(response.grant, audit_id=response.audit_id)

    async def revoke(self, grant_id: str, reason: str = "", *, timeout: float | None = None) -> Grant:
        """Orchestrator or operator: ends a grant now. Raises :class:`NotFound` or :class:`FailedPrecondition`
        (already ended)."""
        request = pb.RevokeRequest(grant_id=grant_id, reason=reason)
        response = await self._call("Revoke", request, self._timeout(timeout))
        return Grant._from_proto(response.grant)

    async def complete_task(self, task_id: str, *, timeout: float | None = None) -> list[Grant]:
        """Orchestrator or operator: ends every grant of a task; returns the grants it ended."""
        response = await self._call("CompleteTask", pb.CompleteTaskRequest(task_id=task_id), self._timeout(timeout))
        return [Grant._from_proto(grant) for grant in response.revoked]

    async def list_grants(self, agent: str = "", *, timeout: float | None = None) -> list[Grant]:
        """The active grants (of ``agent``, or every agent's; an agent sees only its own)."""
        response = await self._call("ListGrants", pb.ListGrantsRequest(agent=agent), self._timeout(timeout))
        return [Grant._from_proto(grant) for grant in response.grants]

    # MARK: Confirmations

    async def pending(self, *, timeout: float | None = None) -> list[PendingCall]:
        """High-risk calls waiting for the orchestrator's confirmation (an agent sees only its own)."""
        response = await self._call("ListPending", pb.ListPendingRequest(), self._timeout(timeout))
        return [PendingCall._from_proto(call) for call in response.pending]

    async def confirm(
        self, pending_id: str, approve: bool = True, reason: str = "", *, timeout: float | None = None
    ) -> str:
        """Orchestrator only: approves (or, with ``approve=False``, denies) a pending call; returns ``"approved"``
        or ``"denied"``. An approval is not the old decision: the daemon decides again at that moment."""
        request = pb.ConfirmRequest(pending_id=pending_id, approve=approve, reason=reason)
        response = await self._call("Confirm", request, self._timeout(timeout))
        return str(response.outcome)

    # MARK: The ledger

    async def query_audit(
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
    ) -> AsyncIterator[AuditRecord]:
        """The ledger's entries matching every filter given, oldest first, as they stream in.

        ``since``/``until`` take a datetime, an RFC 3339 UTC text, a day (``2026-11-29``) or a duration back from
        now (``"15m"`` or a timedelta). ``filters`` takes raw ``name=value`` filters of ``aios-sec audit query``.
        Reading the ledger needs the orchestrator, an operator, or an agent holding ``audit:query``.
        """
        named = {
            "agent": agent,
            "type": event_type,
            "action": action,
            "target-prefix": target_prefix,
            "result": result,
            "risk": risk,
            "since": None if since is None else time_filter(since),
            "until": None if until is None else time_filter(until),
            "limit": None if limit is None else str(limit),
        }
        request = pb.QueryAuditRequest(
            filters=[f"{name}={value}" for name, value in named.items() if value is not None] + list(filters)
        )
        async for record in self._connection.stream("QueryAudit", request, self._timeout(timeout)):
            yield AuditRecord._from_proto(record)

    # MARK: Analysis and the AI-specific defences

    @property
    def analysis(self) -> Analysis:
        """Screening untrusted text, validating model output, the analysis loop's state, the review queue."""
        return Analysis(self)

    # MARK: Host events

    @property
    def monitor(self) -> Monitor:
        """The security agent's view of the host: ``await client.monitor.get_network_events(last="5m")``."""
        return Monitor(self)

    async def get_events(
        self,
        kind: str,
        *,
        last: str | datetime | timedelta = "5m",
        limit: int | None = None,
        timeout: float | None = None,
    ) -> EventList:
        """Recent events of ``kind`` (``network``, ``files``, ``processes`` or ``alerts``) since ``last`` (a duration
        back such as ``"5m"`` or a timedelta, or a datetime), at most ``limit`` (default 1000, at most 10000), oldest
        first. Needs the orchestrator, an operator, or an agent holding ``monitor:read:events/KIND``."""
        request = pb.GetEventsRequest(kind=kind, since=time_filter(last), limit=limit or 0)
        response = await self._call("GetEvents", request, self._timeout(timeout))
        return EventList(
            [HostEvent._from_event(event) for event in response.events],
            truncated=response.truncated,
            window_since=parse_time(response.window_since),
        )

    async def watch_events(
        self,
        kinds: Iterable[str] = (),
        *,
        last: str | datetime | timedelta | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[HostEvent]:
        """Events of ``kinds`` (all four when empty) as they happen, until the caller stops iterating; with ``last``,
        first the events since then, with nothing lost or repeated between them and the live ones."""
        request = pb.WatchEventsRequest(
            kinds=list(kinds), since="" if last is None else time_filter(last), limit=limit or 0
        )
        async for message in self._connection.stream("WatchEvents", request, None):
            yield HostEvent._from_event(message.event, missed=message.missed)

    async def verify_audit(self, *, timeout: float | None = None) -> AuditVerification:
        """Has the daemon check the ledger's hash chain and signed checkpoints."""
        response = await self._call("VerifyAudit", pb.VerifyAuditRequest(), self._timeout(timeout))
        return AuditVerification(intact=response.intact, entries=response.entries, problem=response.problem)

    async def status(self, *, timeout: float | None = None) -> Status:
        """The daemon's state, and the caller as it sees it (``status().caller``: the caller's SPIFFE ID)."""
        return Status._from_proto(await self._call("Status", pb.StatusRequest(), self._timeout(timeout)))

    # MARK: Agents

    async def spawn_agent(
        self, agent: str, command: Iterable[str], reason: str = "", *, timeout: float | None = None
    ) -> AgentProcess:
        """Orchestrator or operator: starts ``agent`` confined by the kernel and supervised. Raises
        :class:`FailedPrecondition` on a daemon that cannot launch agents (not root, no cgroups)."""
        request = pb.SpawnAgentRequest(agent=agent, command=list(command), reason=reason)
        response = await self._call("SpawnAgent", request, self._timeout(timeout))
        return AgentProcess._from_proto(response.agent)

    async def stop_agent(self, agent: str, reason: str = "", *, timeout: float | None = None) -> AgentProcess:
        """Orchestrator or operator: kills the agent (its whole cgroup) and ends its supervision."""
        response = await self._call(
            "StopAgent", pb.StopAgentRequest(agent=agent, reason=reason), self._timeout(timeout)
        )
        return AgentProcess._from_proto(response.agent)

    async def list_agents(self, *, timeout: float | None = None) -> list[AgentProcess]:
        """Orchestrator or operator: the agents the daemon launched."""
        response = await self._call("ListAgents", pb.ListAgentsRequest(), self._timeout(timeout))
        return [AgentProcess._from_proto(agent) for agent in response.agents]

    # MARK: Emergency stop

    async def emergency_stop(self, reason: str = "emergency stop", *, timeout: float | None = None) -> EmergencyStop:
        """Orchestrator or operator: stops every agent at once and puts the system in manual mode (agents frozen,
        grants suspended, pending calls denied, the Gate refusing every agent call) until operators resume it.
        Raises :class:`PermissionDenied` for anyone else."""
        request = pb.EmergencyStopRequest(reason=reason)
        return EmergencyStop._from_proto(await self._call("EmergencyStop", request, self._timeout(timeout)))

    async def resume_challenge(self, *, timeout: float | None = None) -> ResumeChallenge:
        """Orchestrator or operator: a fresh challenge for operators to sign with their SSH keys. Raises
        :class:`FailedPrecondition` when the system is not in manual mode."""
        response = await self._call("ResumeChallenge", pb.ResumeChallengeRequest(), self._timeout(timeout))
        return ResumeChallenge._from_proto(response)

    async def resume(
        self,
        challenge: str | ResumeChallenge,
        signatures: Iterable[str],
        agents: str = "thaw",
        *,
        timeout: float | None = None,
    ) -> Resumed:
        """Orchestrator or operator: leaves manual mode with ``challenge`` signed (armored ``ssh-keygen -Y sign``
        signatures) by the policy's quorum of registered operators. ``agents``: ``thaw``, ``restart`` or ``stop``.
        Raises :class:`PermissionDenied` (a bad or missing signature), :class:`FailedPrecondition` (a stale, used or
        expired challenge)."""
        text = challenge.text if isinstance(challenge, ResumeChallenge) else challenge
        request = pb.ResumeRequest(challenge=text, signatures=list(signatures), agents=agents)
        return Resumed._from_proto(await self._call("Resume", request, self._timeout(timeout)))

    # MARK: Identity renewal

    async def request_certificate(self, csr_pem: str, *, timeout: float | None = None) -> IssuedCertificate:
        """Sends a PEM certificate signing request to ``RenewIdentity`` as it is and returns what the daemon
        issued. :meth:`renew_identity` is the usual way; this one is for keys made elsewhere (an HSM, a keyring).
        The certificate names the caller's own SPIFFE ID; a CSR naming another is refused (:class:`InvalidArgument`).
        """
        response = await self._call("RenewIdentity", pb.RenewIdentityRequest(csr_pem=csr_pem), self._timeout(timeout))
        certificate_pem = response.certificate_pem.encode("ascii")
        return IssuedCertificate(
            spiffe_id=certificate_identity(certificate_pem),
            certificate_pem=certificate_pem,
            bundle_pem=response.bundle_pem.encode("ascii"),
            not_after=parse_time(response.not_after),
            serial=response.serial,
        )

    async def renew_identity(
        self, write_to: PathLike | None = None, *, timeout: float | None = None
    ) -> RenewedIdentity:
        """A new certificate for the caller's own identity, for a new P-256 key made here.

        The key never leaves this process; the daemon signs a CSR for it, naming the caller's current SPIFFE ID
        (the CA issues no other), while the current certificate is unexpired and unrevoked; it records the renewal.
        With ``write_to``, the key (0600), certificate and bundle are written there, each replaced atomically (it
        may be the directory this client reads its identity from: the next call uses the new certificate).

        Raises :class:`PermissionDenied` (a revoked identity), :class:`IdentityError` (an expired one, which cannot
        connect; or an answer that does not certify the new key), :class:`Unimplemented` (a daemon without a CA).
        """
        current = await self.current_identity()
        key = renewal.new_key()
        issued = await self.request_certificate(renewal.certificate_request(key, current.spiffe_id), timeout=timeout)
        key_pem = renewal.key_pem(key)
        certificate_pem, bundle_pem = issued.certificate_pem, issued.bundle_pem
        material = IdentityMaterial.from_pem(key_pem, certificate_pem, bundle_pem)
        if material.spiffe_id != current.spiffe_id:
            raise IdentityError(
                f"the daemon issued a certificate for {material.spiffe_id!r}, not for {current.spiffe_id!r}"
            )
        directory = None
        if write_to is not None:
            directory = str(renewal.write_identity(write_to, key_pem, certificate_pem, bundle_pem))
        return RenewedIdentity(
            spiffe_id=material.spiffe_id,
            key_pem=key_pem,
            certificate_pem=certificate_pem,
            bundle_pem=bundle_pem,
            not_after=issued.not_after,
            serial=issued.serial,
            directory=directory,
        )
