"""Python SDK for the aiOS Security daemon (``aios-sec serve``): gRPC over mTLS, as one identity.

::

    from aios_security import SecurityClient

    async with SecurityClient.from_environment() as security:
        await security.grant_temporary(
            agent="aios-agent-task", capability="fs:write:/var/www/*", duration="10m",
            reason="Deploy website files", task_id="task-123")

See :class:`SecurityClient` (asyncio), :class:`SyncSecurityClient` (blocking), :mod:`aios_security.errors` and
:mod:`aios_security.types`.
"""

from ._values import format_duration
from .client import SecurityClient
from .errors import (
    Aborted,
    AlreadyExists,
    ConfirmationRequired,
    DeadlineExceeded,
    Denied,
    FailedPrecondition,
    IdentityError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    SecurityError,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)
from .identity import DirectoryIdentity, IdentityMaterial, IdentitySource, MemoryIdentity
from .analysis import Analysis, AnalysisState, ReviewItem, SchemaViolation, ScreenedText, ValidationResult
from .monitor import Monitor
from .sync import SyncSecurityClient
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
)

__version__ = "0.1.0"

__all__ = [
    "Aborted",
    "AgentProcess",
    "AlreadyExists",
    "Analysis",
    "AnalysisState",
    "AuditRecord",
    "AuditVerification",
    "ConfirmationRequired",
    "DeadlineExceeded",
    "Decision",
    "Denied",
    "DirectoryIdentity",
    "EmergencyStop",
    "EventList",
    "FailedPrecondition",
    "Grant",
    "HostEvent",
    "IdentityError",
    "IdentityMaterial",
    "IdentitySource",
    "InvalidArgument",
    "IssuedCertificate",
    "MemoryIdentity",
    "Monitor",
    "NotFound",
    "PendingCall",
    "PermissionDenied",
    "RenewedIdentity",
    "ResourceExhausted",
    "ResumeChallenge",
    "Resumed",
    "ReviewItem",
    "SchemaViolation",
    "ScreenedText",
    "SecurityClient",
    "SecurityError",
    "Status",
    "SyncSecurityClient",
    "ToolResult",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "ValidationResult",
    "format_duration",
]
