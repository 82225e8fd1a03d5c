"""What the daemon answers, as typed, immutable values (never raw protobuf messages).

Timestamps are :class:`datetime.datetime` in UTC (None where the daemon sent none, e.g. a grant without expiry).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ._proto import security_pb2 as pb
from .errors import ConfirmationRequired, Denied

__all__ = [
    "AgentProcess",
    "AuditRecord",
    "AuditVerification",
    "Decision",
    "EmergencyStop",
    "Grant",
    "IssuedCertificate",
    "PendingCall",
    "RenewedIdentity",
    "Resumed",
    "ResumeChallenge",
    "Status",
    "ToolResult",
]


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 UTC timestamp as the daemon writes it (``2026-11-30T01:26:48.491Z``); None for empty."""
    if not text:
        return None
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Decision:
    """The Gate's decision on a call.

    Attributes:
        allowed: Whether the call may proceed.
        capability: The capability the call needed, e.g. ``fs:write:/var/www/index.html``.
        explanation: What decided: the matching capability and its source (role or grant), or why nothing did.
        risk: ``low``, ``medium``, ``high`` or ``critical``.
        requires_confirmation: A high-risk call that runs only once the orchestrator confirms it.
        audit_id: The ledger entry holding this decision.
    """

    allowed: bool
    capability: str
    explanation: str
    risk: str
    requires_confirmation: bool
    audit_id: str

    @classmethod
    def _from_proto(cls, message: pb.Decision) -> Decision:
        return cls(
            allowed=message.allowed,
            capability=message.capability,
            explanation=message.explanation,
            risk=message.risk,
            requires_confirmation=message.requires_confirmation,
            audit_id=message.audit_id,
        )

    def __bool__(self) -> bool:
        return self.allowed

    def raise_for_outcome(self) -> Decision:
        """Returns this decision when allowed; raises :class:`ConfirmationRequired` for a call that waits for the
        orchestrator, :class:`Denied` otherwise."""
        if self.allowed:
            return self
        if self.requires_confirmation:
            raise ConfirmationRequired(self)
        raise Denied(self)


@dataclass(frozen=True)
class ToolResult:
    """What a tool the Broker ran returned.

    Attributes:
        decision: The (allowing) decision.
        output: What the tool returned (file contents, a listing, process output), as bytes.
        details: Tool-specific facts as recorded in the ledger (``bytes_written``, ``backup_created``, ...).
        result_audit_id: The ledger entry holding the result.
    """

    decision: Decision
    output: bytes
    details: Mapping[str, str]
    result_audit_id: str

    @property
    def text(self) -> str:
        """The output decoded as UTF-8 (undecodable bytes replaced)."""
        return self.output.decode("utf-8", errors="replace")

    @classmethod
    def _from_proto(cls, message: pb.ExecuteToolResponse) -> ToolResult:
        return cls(
            decision=Decision._from_proto(message.decision),
            output=bytes(message.output),
            details=dict(message.details),
            result_audit_id=message.result_audit_id,
        )


@dataclass(frozen=True)
class Grant:
    """A temporary capability the orchestrator gave an agent.

    Attributes:
        id: The grant's id (for :meth:`SecurityClient.revoke`).
        agent: The agent holding it.
        capability: What it allows, e.g. ``fs:write:/var/www/*``.
        granted_at: When it was issued.
        expires_at: When it ends by itself (None: it ends only on revocation or task completion).
        reason: Why it was granted.
        task_id: The task it belongs to (empty for none); completing the task ends it.
        granted_by: Who granted it.
        audit_id: The ledger entry recording the grant (only on the answer to a grant).
    """

    id: str
    agent: str
    capability: str
    granted_at: datetime | None
    expires_at: datetime | None
    reason: str
    task_id: str
    granted_by: str
    audit_id: str = ""

    @classmethod
    def _from_proto(cls, message: pb.Grant, audit_id: str = "") -> Grant:
        return cls(
            id=message.id,
            agent=message.agent,
            capability=message.capability,
            granted_at=parse_time(message.granted_at),
            expires_at=parse_time(message.expires_at),
            reason=message.reason,
            task_id=message.task_id,
            granted_by=message.granted_by,
            audit_id=audit_id,
        )


@dataclass(frozen=True)
class PendingCall:
    """A high-risk call waiting for the orchestrator's confirmation."""

    id: str
    agent: str
    tool: str
    arguments: Mapping[str, str]
    capability: str
    risk: str
    requested_at: datetime | None
    expires_at: datetime | None
    reason: str
    #: A package call's provenance report (parsed JSON: packages, origins, signing keys, hashes, findings,
    #: verdict); ``None`` for other calls.
    report: Mapping[str, Any] | None = None

    @classmethod
    def _from_proto(cls, message: pb.PendingCall) -> PendingCall:
        return cls(
            id=message.id,
            agent=message.agent,
            tool=message.tool,
            arguments=dict(message.arguments),
            capability=message.capability,
            risk=message.risk,
            requested_at=parse_time(message.requested_at),
            expires_at=parse_time(message.expires_at),
            reason=message.reason,
            report=json.loads(message.report) if message.report else None,
        )


@dataclass(frozen=True)
class AuditRecord:
    """One ledger entry exactly as stored (``json``, canonical JSON) and parsed (``entry``).

    The common fields are properties: ``id``, ``event_type``, ``agent``, ``action``, ``target``, ``result``,
    ``timestamp``, ``task_id``, ``details``.
    """

    json: str
    entry: Mapping[str, Any] = field(repr=False)

    @classmethod
    def _from_proto(cls, message: pb.AuditRecord) -> AuditRecord:
        return cls(json=message.json, entry=json.loads(message.json))

    def _text(self, key: str) -> str:
        value = self.entry.get(key)
        return value if isinstance(value, str) else ""

    @property
    def id(self) -> str:
        return self._text("id")

    @property
    def event_type(self) -> str:
        return self._text("event_type")

    @property
    def agent(self) -> str:
        return self._text("agent")

    @property
    def action(self) -> str:
        return self._text("action")

    @property
    def target(self) -> str:
        return self._text("target")

    @property
    def result(self) -> str:
        return self._text("result")

    @property
    def task_id(self) -> str:
        return self._text("task_id")

    @property
    def timestamp(self) -> datetime | None:
        return parse_time(self._text("timestamp"))

    @property
    def details(self) -> Mapping[str, Any]:
        value = self.entry.get("details")
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class HostEvent(AuditRecord):
    """One host event in the ledger's entry format: ``kind`` is ``network``, ``files``, ``processes`` or ``alerts``.

    ``recorded`` is False (and ``id`` empty) for an observation the ledger did not record, such as a single exec.
    ``missed`` (streams only) counts the events lost just before this one because the reader was too slow.
    """

    kind: str = ""
    missed: int = 0

    @classmethod
    def _from_event(cls, message: pb.HostEvent, missed: int = 0) -> HostEvent:
        return cls(json=message.json, entry=json.loads(message.json), kind=message.kind, missed=missed)

    @property
    def recorded(self) -> bool:
        return bool(self.id)

    @property
    def risk_level(self) -> str:
        return self._text("risk_level")


class EventList(list[HostEvent]):
    """Events oldest first. ``truncated``: more matched than the limit (the newest are kept). ``window_since``: from
    then on the daemon's window held every event of the kind; earlier ones are only what the ledger recorded."""

    def __init__(self, events: list[HostEvent], truncated: bool, window_since: datetime | None) -> None:
        super().__init__(events)
        self.truncated = truncated
        self.window_since = window_since


@dataclass(frozen=True)
class AuditVerification:
    """The ledger's integrity as the daemon checked it (hash chain and signed checkpoints)."""

    intact: bool
    entries: int
    problem: str


@dataclass(frozen=True)
class Status:
    """The daemon's state and the caller as the daemon sees it (``caller``: its SPIFFE ID)."""

    caller: str
    version: str
    policy: str
    ledger_entries: int
    active_grants: int
    pending_calls: int
    emergency_state: str
    started_at: datetime | None
    #: ``autonomous``, or ``manual`` after an emergency stop until operators resume.
    mode: str = "autonomous"
    #: In manual mode: since when, stopped by whom, and why.
    manual_since: datetime | None = None
    manual_by: str = ""
    manual_reason: str = ""

    @classmethod
    def _from_proto(cls, message: pb.StatusResponse) -> Status:
        return cls(
            caller=message.caller,
            version=message.version,
            policy=message.policy,
            ledger_entries=message.ledger_entries,
            active_grants=message.active_grants,
            pending_calls=message.pending_calls,
            emergency_state=message.emergency_state,
            started_at=parse_time(message.started_at),
            mode=message.mode or "autonomous",
            manual_since=parse_time(message.manual_since),
            manual_by=message.manual_by,
            manual_reason=message.manual_reason,
        )


@dataclass(frozen=True)
class EmergencyStop:
    """What an emergency stop did (``elapsed``: from the call's arrival to every agent frozen and the Gate closed;
    ``kill_at``: when frozen agents are killed unless resumed first, None when the policy keeps them frozen)."""

    mode: str
    agents_frozen: int
    tasks_killed: int
    grants_suspended: int
    pending_denied: int
    stopped_at: datetime | None
    elapsed: timedelta
    audit_id: str
    kill_at: datetime | None

    @classmethod
    def _from_proto(cls, message: pb.EmergencyStopResponse) -> EmergencyStop:
        return cls(
            mode=message.mode,
            agents_frozen=message.agents_frozen,
            tasks_killed=message.tasks_killed,
            grants_suspended=message.grants_suspended,
            pending_denied=message.pending_denied,
            stopped_at=parse_time(message.stopped_at),
            elapsed=timedelta(microseconds=message.elapsed_microseconds),
            audit_id=message.audit_id,
            kill_at=parse_time(message.kill_at),
        )


@dataclass(frozen=True)
class ResumeChallenge:
    """The text operators sign (``ssh-keygen -Y sign -n <namespace>``), exactly as given, to resume."""

    text: str
    expires_at: datetime | None
    signatures_needed: int
    namespace: str

    @classmethod
    def _from_proto(cls, message: pb.ResumeChallengeResponse) -> ResumeChallenge:
        return cls(
            text=message.challenge,
            expires_at=parse_time(message.expires_at),
            signatures_needed=message.signatures_needed,
            namespace=message.namespace,
        )


@dataclass(frozen=True)
class Resumed:
    """A resume the daemon accepted: who signed it and what became of the agents."""

    operators: tuple[str, ...]
    mode: str
    agents_resumed: int
    audit_id: str

    @classmethod
    def _from_proto(cls, message: pb.ResumeResponse) -> Resumed:
        return cls(
            operators=tuple(message.operators),
            mode=message.mode,
            agents_resumed=message.agents_resumed,
            audit_id=message.audit_id,
        )


@dataclass(frozen=True)
class AgentProcess:
    """An agent the daemon launched and supervises.

    Attributes:
        state: ``running``, ``restarting`` or ``stopped``.
        pid: The agent's first process as the host sees it (0 when not running).
        last_exit_status: The last exit status (None when it has not exited).
    """

    agent: str
    command: tuple[str, ...]
    state: str
    pid: int
    restarts: int
    last_exit_status: int | None
    last_reason: str

    @classmethod
    def _from_proto(cls, message: pb.AgentProcess) -> AgentProcess:
        return cls(
            agent=message.agent,
            command=tuple(message.command),
            state=message.state,
            pid=message.pid,
            restarts=message.restarts,
            last_exit_status=message.last_exit_status if message.has_exited else None,
            last_reason=message.last_reason,
        )


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate the daemon's CA issued for a CSR (:meth:`SecurityClient.request_certificate`).

    Attributes:
        spiffe_id: The identity the certificate names (always the caller's).
        certificate_pem: The leaf certificate and the chain to the CA's intermediate (PEM).
        bundle_pem: The CA bundle to trust the daemon with (PEM).
        not_after: When the certificate expires.
        serial: The certificate's serial number (hex), as the CA records it.
    """

    spiffe_id: str
    certificate_pem: bytes
    bundle_pem: bytes
    not_after: datetime | None
    serial: str


@dataclass(frozen=True)
class RenewedIdentity:
    """A certificate the daemon issued for the caller's own identity, with the key it certifies.

    Attributes:
        spiffe_id: The identity the certificate names (always the caller's).
        key_pem: The new private key (PKCS#8 PEM); keep it secret.
        certificate_pem: The new leaf certificate and the chain to the CA's intermediate (PEM).
        bundle_pem: The CA bundle to trust the daemon with (PEM).
        not_after: When the certificate expires.
        serial: The certificate's serial number (hex), as the CA records it.
        directory: Where it was written (None when it was not).
    """

    spiffe_id: str
    key_pem: bytes = field(repr=False)
    certificate_pem: bytes
    bundle_pem: bytes
    not_after: datetime | None
    serial: str
    directory: str | None = None
