"""The errors the SDK raises: one class per answer of the daemon that a program may want to handle.

Every error is a :class:`SecurityError`. Errors the daemon answered carry the gRPC status ``code`` and the daemon's
``message`` (which says why, never a secret). The mapping follows the daemon's ``StatusMapping``:

=====================  ====================  ===========================================================
gRPC status            SDK error             typical cause
=====================  ====================  ===========================================================
PERMISSION_DENIED      PermissionDenied      not the orchestrator, outside a role ceiling, revoked identity
UNAUTHENTICATED        Unauthenticated       no client certificate (or none the daemon's CA issued)
INVALID_ARGUMENT       InvalidArgument       bad capability or duration, missing reason, oversized field
NOT_FOUND              NotFound              unknown agent, grant or pending call
ALREADY_EXISTS         AlreadyExists         the agent is already running
FAILED_PRECONDITION    FailedPrecondition    grant already inactive, a feature this daemon does not run
RESOURCE_EXHAUSTED     ResourceExhausted     the caller's rate budget is empty, a file too large
UNAVAILABLE            Unavailable           daemon unreachable, or the ledger cannot record the call
DEADLINE_EXCEEDED      DeadlineExceeded      the call's ``timeout`` passed
ABORTED                Aborted               a file changed while the Broker acted on it
UNIMPLEMENTED          Unimplemented         the daemon does not offer this call (e.g. no CA)
anything else          SecurityError         internal errors (the daemon gives no detail)
=====================  ====================  ===========================================================

A decision is not an error at the protocol level: ``Authorize`` and ``ExecuteTool`` answer a denied call with a
decision (``allowed = false``). :meth:`SecurityClient.execute_tool` turns that into :class:`Denied`, carrying the
:class:`~aios_security.types.Decision` (its explanation and ledger entry); :meth:`Decision.raise_for_outcome` does the
same for :meth:`SecurityClient.authorize`, raising :class:`ConfirmationRequired` for a high-risk call that would wait
for the orchestrator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

if TYPE_CHECKING:
    from .types import Decision

__all__ = [
    "Aborted",
    "AlreadyExists",
    "ConfirmationRequired",
    "DeadlineExceeded",
    "Denied",
    "FailedPrecondition",
    "IdentityError",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "SecurityError",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "from_rpc_error",
]


class SecurityError(Exception):
    """Base of every error of this SDK.

    Attributes:
        code: The gRPC status the daemon answered with (None when the error arose in this process).
        message: The daemon's explanation (or ours).
    """

    code: grpc.StatusCode | None

    def __init__(self, message: str, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        if self.code is None:
            return self.message
        return f"{self.code.name.lower()}: {self.message}"


class PermissionDenied(SecurityError):
    """The caller may not do this (e.g. an agent granting, an agent confirming, a revoked certificate)."""


class Unauthenticated(SecurityError):
    """The daemon could not tell who the caller is (no client certificate it accepts)."""


class InvalidArgument(SecurityError):
    """The request was malformed: a bad capability, duration or filter, a missing reason, an oversized field."""


class NotFound(SecurityError):
    """The agent, grant or pending call named does not exist (or no longer does)."""


class AlreadyExists(SecurityError):
    """What the call would create exists already (e.g. the agent is running)."""


class FailedPrecondition(SecurityError):
    """The daemon's state does not allow this now (a grant already inactive, a feature this daemon does not run)."""


class ResourceExhausted(SecurityError):
    """A limit was reached: the caller's rate budget, a file or listing too large, too many processes."""


class Unavailable(SecurityError):
    """The daemon cannot be reached, or it cannot record the call in its ledger (and so refuses it)."""


class DeadlineExceeded(SecurityError):
    """The call's timeout passed before the daemon answered (a pending confirmation is withdrawn with it)."""


class Aborted(SecurityError):
    """The Broker stopped because what it acted on changed under it (e.g. a file replaced while written)."""


class Unimplemented(SecurityError):
    """This daemon does not offer the call (e.g. ``RenewIdentity`` on a daemon without a CA)."""


class IdentityError(SecurityError):
    """The identity directory cannot be used: a file missing or unreadable, or a key that does not match its
    certificate (after waiting for a renewal in progress to finish)."""


class Denied(SecurityError):
    """The daemon decided no. ``decision`` holds why (``explanation``) and where it is recorded (``audit_id``).

    Raised by :meth:`SecurityClient.execute_tool` (including a high-risk call the orchestrator denied or did not
    confirm in time) and by :meth:`Decision.raise_for_outcome`.
    """

    def __init__(self, decision: Decision) -> None:
        super().__init__(f"{decision.capability or 'the call'}: {decision.explanation}")
        self.decision = decision

    @property
    def explanation(self) -> str:
        """Why the daemon denied the call."""
        return self.decision.explanation

    @property
    def audit_id(self) -> str:
        """The ledger entry holding the decision (empty when a rate-limit flood was counted, not recorded)."""
        return self.decision.audit_id

    def __str__(self) -> str:
        suffix = f" [{self.decision.audit_id}]" if self.decision.audit_id else ""
        return f"denied: {self.message}{suffix}"


class ConfirmationRequired(Denied):
    """A high-risk call that would run only once the orchestrator confirms it (see :meth:`SecurityClient.pending`
    and :meth:`SecurityClient.confirm`). :meth:`SecurityClient.execute_tool` waits for that confirmation itself."""

    def __str__(self) -> str:
        suffix = f" [{self.decision.audit_id}]" if self.decision.audit_id else ""
        return f"confirmation required: {self.message}{suffix}"


_BY_CODE: dict[grpc.StatusCode, type[SecurityError]] = {
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.UNIMPLEMENTED: Unimplemented,
}


def from_rpc_error(error: grpc.RpcError) -> SecurityError:
    """The SDK error for a gRPC error (``grpc.aio.AioRpcError`` or a synchronous ``grpc.RpcError``)."""
    code_of = getattr(error, "code", None)
    details_of = getattr(error, "details", None)
    code = code_of() if callable(code_of) else grpc.StatusCode.UNKNOWN
    details = details_of() if callable(details_of) else None
    message = details or (code.name.lower() if code is not None else "unknown error")
    return _BY_CODE.get(code, SecurityError)(message, code)
