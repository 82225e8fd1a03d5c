from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Decision(_message.Message):
    __slots__ = ("allowed", "capability", "explanation", "risk", "requires_confirmation", "audit_id")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    capability: str
    explanation: str
    risk: str
    requires_confirmation: bool
    audit_id: str
    def __init__(self, allowed: _Optional[bool] = ..., capability: _Optional[str] = ..., explanation: _Optional[str] = ..., risk: _Optional[str] = ..., requires_confirmation: _Optional[bool] = ..., audit_id: _Optional[str] = ...) -> None: ...

class AuthorizeRequest(_message.Message):
    __slots__ = ("tool", "arguments", "capability", "reason", "task_id")
    class ArgumentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TOOL_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    tool: str
    arguments: _containers.ScalarMap[str, str]
    capability: str
    reason: str
    task_id: str
    def __init__(self, tool: _Optional[str] = ..., arguments: _Optional[_Mapping[str, str]] = ..., capability: _Optional[str] = ..., reason: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class AuthorizeResponse(_message.Message):
    __slots__ = ("decision",)
    DECISION_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ...) -> None: ...

class ExecuteToolRequest(_message.Message):
    __slots__ = ("tool", "arguments", "reason", "task_id")
    class ArgumentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TOOL_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    tool: str
    arguments: _containers.ScalarMap[str, str]
    reason: str
    task_id: str
    def __init__(self, tool: _Optional[str] = ..., arguments: _Optional[_Mapping[str, str]] = ..., reason: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class ExecuteToolResponse(_message.Message):
    __slots__ = ("decision", "output", "details", "result_audit_id")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DECISION_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    RESULT_AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    output: bytes
    details: _containers.ScalarMap[str, str]
    result_audit_id: str
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ..., output: _Optional[bytes] = ..., details: _Optional[_Mapping[str, str]] = ..., result_audit_id: _Optional[str] = ...) -> None: ...

class Grant(_message.Message):
    __slots__ = ("id", "agent", "capability", "granted_at", "expires_at", "reason", "task_id", "granted_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    GRANTED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent: str
    capability: str
    granted_at: str
    expires_at: str
    reason: str
    task_id: str
    granted_by: str
    def __init__(self, id: _Optional[str] = ..., agent: _Optional[str] = ..., capability: _Optional[str] = ..., granted_at: _Optional[str] = ..., expires_at: _Optional[str] = ..., reason: _Optional[str] = ..., task_id: _Optional[str] = ..., granted_by: _Optional[str] = ...) -> None: ...

class GrantTemporaryRequest(_message.Message):
    __slots__ = ("agent", "capability", "duration", "reason", "task_id")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    agent: str
    capability: str
    duration: str
    reason: str
    task_id: str
    def __init__(self, agent: _Optional[str] = ..., capability: _Optional[str] = ..., duration: _Optional[str] = ..., reason: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class GrantTemporaryResponse(_message.Message):
    __slots__ = ("grant", "audit_id")
    GRANT_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    grant: Grant
    audit_id: str
    def __init__(self, grant: _Optional[_Union[Grant, _Mapping]] = ..., audit_id: _Optional[str] = ...) -> None: ...

class RevokeRequest(_message.Message):
    __slots__ = ("grant_id", "reason")
    GRANT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    grant_id: str
    reason: str
    def __init__(self, grant_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeResponse(_message.Message):
    __slots__ = ("grant",)
    GRANT_FIELD_NUMBER: _ClassVar[int]
    grant: Grant
    def __init__(self, grant: _Optional[_Union[Grant, _Mapping]] = ...) -> None: ...

class CompleteTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class CompleteTaskResponse(_message.Message):
    __slots__ = ("revoked",)
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    revoked: _containers.RepeatedCompositeFieldContainer[Grant]
    def __init__(self, revoked: _Optional[_Iterable[_Union[Grant, _Mapping]]] = ...) -> None: ...

class ListGrantsRequest(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: str
    def __init__(self, agent: _Optional[str] = ...) -> None: ...

class ListGrantsResponse(_message.Message):
    __slots__ = ("grants",)
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    grants: _containers.RepeatedCompositeFieldContainer[Grant]
    def __init__(self, grants: _Optional[_Iterable[_Union[Grant, _Mapping]]] = ...) -> None: ...

class ConfirmRequest(_message.Message):
    __slots__ = ("pending_id", "approve", "reason")
    PENDING_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    pending_id: str
    approve: bool
    reason: str
    def __init__(self, pending_id: _Optional[str] = ..., approve: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class ConfirmResponse(_message.Message):
    __slots__ = ("outcome",)
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    def __init__(self, outcome: _Optional[str] = ...) -> None: ...

class PendingCall(_message.Message):
    __slots__ = ("id", "agent", "tool", "arguments", "capability", "risk", "requested_at", "expires_at", "reason", "report")
    class ArgumentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    TOOL_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent: str
    tool: str
    arguments: _containers.ScalarMap[str, str]
    capability: str
    risk: str
    requested_at: str
    expires_at: str
    reason: str
    report: str
    def __init__(self, id: _Optional[str] = ..., agent: _Optional[str] = ..., tool: _Optional[str] = ..., arguments: _Optional[_Mapping[str, str]] = ..., capability: _Optional[str] = ..., risk: _Optional[str] = ..., requested_at: _Optional[str] = ..., expires_at: _Optional[str] = ..., reason: _Optional[str] = ..., report: _Optional[str] = ...) -> None: ...

class ListPendingRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPendingResponse(_message.Message):
    __slots__ = ("pending",)
    PENDING_FIELD_NUMBER: _ClassVar[int]
    pending: _containers.RepeatedCompositeFieldContainer[PendingCall]
    def __init__(self, pending: _Optional[_Iterable[_Union[PendingCall, _Mapping]]] = ...) -> None: ...

class QueryAuditRequest(_message.Message):
    __slots__ = ("filters",)
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    filters: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, filters: _Optional[_Iterable[str]] = ...) -> None: ...

class AuditRecord(_message.Message):
    __slots__ = ("json",)
    JSON_FIELD_NUMBER: _ClassVar[int]
    json: str
    def __init__(self, json: _Optional[str] = ...) -> None: ...

class VerifyAuditRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyAuditResponse(_message.Message):
    __slots__ = ("intact", "entries", "problem")
    INTACT_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    intact: bool
    entries: int
    problem: str
    def __init__(self, intact: _Optional[bool] = ..., entries: _Optional[int] = ..., problem: _Optional[str] = ...) -> None: ...

class StatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StatusResponse(_message.Message):
    __slots__ = ("caller", "version", "policy", "ledger_entries", "active_grants", "pending_calls", "emergency_state", "started_at", "mode", "manual_since", "manual_by", "manual_reason", "human_sessions")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    LEDGER_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_GRANTS_FIELD_NUMBER: _ClassVar[int]
    PENDING_CALLS_FIELD_NUMBER: _ClassVar[int]
    EMERGENCY_STATE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_SINCE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_BY_FIELD_NUMBER: _ClassVar[int]
    MANUAL_REASON_FIELD_NUMBER: _ClassVar[int]
    HUMAN_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    caller: str
    version: str
    policy: str
    ledger_entries: int
    active_grants: int
    pending_calls: int
    emergency_state: str
    started_at: str
    mode: str
    manual_since: str
    manual_by: str
    manual_reason: str
    human_sessions: _containers.RepeatedCompositeFieldContainer[HumanSession]
    def __init__(self, caller: _Optional[str] = ..., version: _Optional[str] = ..., policy: _Optional[str] = ..., ledger_entries: _Optional[int] = ..., active_grants: _Optional[int] = ..., pending_calls: _Optional[int] = ..., emergency_state: _Optional[str] = ..., started_at: _Optional[str] = ..., mode: _Optional[str] = ..., manual_since: _Optional[str] = ..., manual_by: _Optional[str] = ..., manual_reason: _Optional[str] = ..., human_sessions: _Optional[_Iterable[_Union[HumanSession, _Mapping]]] = ...) -> None: ...

class HumanSession(_message.Message):
    __slots__ = ("user", "key_fingerprint", "source", "session_id", "started_at", "commands")
    USER_FIELD_NUMBER: _ClassVar[int]
    KEY_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    COMMANDS_FIELD_NUMBER: _ClassVar[int]
    user: str
    key_fingerprint: str
    source: str
    session_id: int
    started_at: str
    commands: int
    def __init__(self, user: _Optional[str] = ..., key_fingerprint: _Optional[str] = ..., source: _Optional[str] = ..., session_id: _Optional[int] = ..., started_at: _Optional[str] = ..., commands: _Optional[int] = ...) -> None: ...

class SpawnAgentRequest(_message.Message):
    __slots__ = ("agent", "command", "reason")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    agent: str
    command: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, agent: _Optional[str] = ..., command: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class AgentProcess(_message.Message):
    __slots__ = ("agent", "command", "state", "pid", "restarts", "has_exited", "last_exit_status", "last_reason")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PID_FIELD_NUMBER: _ClassVar[int]
    RESTARTS_FIELD_NUMBER: _ClassVar[int]
    HAS_EXITED_FIELD_NUMBER: _ClassVar[int]
    LAST_EXIT_STATUS_FIELD_NUMBER: _ClassVar[int]
    LAST_REASON_FIELD_NUMBER: _ClassVar[int]
    agent: str
    command: _containers.RepeatedScalarFieldContainer[str]
    state: str
    pid: int
    restarts: int
    has_exited: bool
    last_exit_status: int
    last_reason: str
    def __init__(self, agent: _Optional[str] = ..., command: _Optional[_Iterable[str]] = ..., state: _Optional[str] = ..., pid: _Optional[int] = ..., restarts: _Optional[int] = ..., has_exited: _Optional[bool] = ..., last_exit_status: _Optional[int] = ..., last_reason: _Optional[str] = ...) -> None: ...

class SpawnAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: AgentProcess
    def __init__(self, agent: _Optional[_Union[AgentProcess, _Mapping]] = ...) -> None: ...

class StopAgentRequest(_message.Message):
    __slots__ = ("agent", "reason")
    AGENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    agent: str
    reason: str
    def __init__(self, agent: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class StopAgentResponse(_message.Message):
    __slots__ = ("agent",)
    AGENT_FIELD_NUMBER: _ClassVar[int]
    agent: AgentProcess
    def __init__(self, agent: _Optional[_Union[AgentProcess, _Mapping]] = ...) -> None: ...

class ListAgentsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ("agents",)
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[AgentProcess]
    def __init__(self, agents: _Optional[_Iterable[_Union[AgentProcess, _Mapping]]] = ...) -> None: ...

class RunTaskRequest(_message.Message):
    __slots__ = ("command", "image", "network", "memory", "cpus", "pids", "timeout", "task_id")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    PIDS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    command: _containers.RepeatedScalarFieldContainer[str]
    image: str
    network: bool
    memory: str
    cpus: float
    pids: int
    timeout: str
    task_id: str
    def __init__(self, command: _Optional[_Iterable[str]] = ..., image: _Optional[str] = ..., network: _Optional[bool] = ..., memory: _Optional[str] = ..., cpus: _Optional[float] = ..., pids: _Optional[int] = ..., timeout: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class RunTaskResponse(_message.Message):
    __slots__ = ("exit_status", "output", "error_output", "timed_out", "output_truncated", "audit_id")
    EXIT_STATUS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    ERROR_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    TIMED_OUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    exit_status: int
    output: bytes
    error_output: bytes
    timed_out: bool
    output_truncated: bool
    audit_id: str
    def __init__(self, exit_status: _Optional[int] = ..., output: _Optional[bytes] = ..., error_output: _Optional[bytes] = ..., timed_out: _Optional[bool] = ..., output_truncated: _Optional[bool] = ..., audit_id: _Optional[str] = ...) -> None: ...

class FirewallRule(_message.Message):
    __slots__ = ("id", "direction", "action", "transport", "ports", "peer", "author", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_FIELD_NUMBER: _ClassVar[int]
    PORTS_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    direction: str
    action: str
    transport: str
    ports: _containers.RepeatedScalarFieldContainer[int]
    peer: str
    author: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., direction: _Optional[str] = ..., action: _Optional[str] = ..., transport: _Optional[str] = ..., ports: _Optional[_Iterable[int]] = ..., peer: _Optional[str] = ..., author: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ChangeFirewallRequest(_message.Message):
    __slots__ = ("operation", "direction", "transport", "ports", "peer", "id", "address", "duration", "reason")
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    TRANSPORT_FIELD_NUMBER: _ClassVar[int]
    PORTS_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    operation: str
    direction: str
    transport: str
    ports: _containers.RepeatedScalarFieldContainer[int]
    peer: str
    id: str
    address: str
    duration: str
    reason: str
    def __init__(self, operation: _Optional[str] = ..., direction: _Optional[str] = ..., transport: _Optional[str] = ..., ports: _Optional[_Iterable[int]] = ..., peer: _Optional[str] = ..., id: _Optional[str] = ..., address: _Optional[str] = ..., duration: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ChangeFirewallResponse(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: FirewallRule
    def __init__(self, rule: _Optional[_Union[FirewallRule, _Mapping]] = ...) -> None: ...

class ListFirewallRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BlockedAddress(_message.Message):
    __slots__ = ("address", "remaining_seconds", "reason")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    REMAINING_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    address: str
    remaining_seconds: int
    reason: str
    def __init__(self, address: _Optional[str] = ..., remaining_seconds: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ListFirewallResponse(_message.Message):
    __slots__ = ("rules", "blocked")
    RULES_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[FirewallRule]
    blocked: _containers.RepeatedCompositeFieldContainer[BlockedAddress]
    def __init__(self, rules: _Optional[_Iterable[_Union[FirewallRule, _Mapping]]] = ..., blocked: _Optional[_Iterable[_Union[BlockedAddress, _Mapping]]] = ...) -> None: ...

class RenewIdentityRequest(_message.Message):
    __slots__ = ("csr_pem",)
    CSR_PEM_FIELD_NUMBER: _ClassVar[int]
    csr_pem: str
    def __init__(self, csr_pem: _Optional[str] = ...) -> None: ...

class RenewIdentityResponse(_message.Message):
    __slots__ = ("certificate_pem", "bundle_pem", "not_after", "serial")
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_PEM_FIELD_NUMBER: _ClassVar[int]
    NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FIELD_NUMBER: _ClassVar[int]
    certificate_pem: str
    bundle_pem: str
    not_after: str
    serial: str
    def __init__(self, certificate_pem: _Optional[str] = ..., bundle_pem: _Optional[str] = ..., not_after: _Optional[str] = ..., serial: _Optional[str] = ...) -> None: ...

class EmergencyStopRequest(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class EmergencyStopResponse(_message.Message):
    __slots__ = ("mode", "agents_frozen", "tasks_killed", "grants_suspended", "pending_denied", "stopped_at", "elapsed_microseconds", "audit_id", "kill_at")
    MODE_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FROZEN_FIELD_NUMBER: _ClassVar[int]
    TASKS_KILLED_FIELD_NUMBER: _ClassVar[int]
    GRANTS_SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    PENDING_DENIED_FIELD_NUMBER: _ClassVar[int]
    STOPPED_AT_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_MICROSECONDS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    KILL_AT_FIELD_NUMBER: _ClassVar[int]
    mode: str
    agents_frozen: int
    tasks_killed: int
    grants_suspended: int
    pending_denied: int
    stopped_at: str
    elapsed_microseconds: int
    audit_id: str
    kill_at: str
    def __init__(self, mode: _Optional[str] = ..., agents_frozen: _Optional[int] = ..., tasks_killed: _Optional[int] = ..., grants_suspended: _Optional[int] = ..., pending_denied: _Optional[int] = ..., stopped_at: _Optional[str] = ..., elapsed_microseconds: _Optional[int] = ..., audit_id: _Optional[str] = ..., kill_at: _Optional[str] = ...) -> None: ...

class ResumeChallengeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResumeChallengeResponse(_message.Message):
    __slots__ = ("challenge", "expires_at", "signatures_needed", "namespace")
    CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_NEEDED_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    challenge: str
    expires_at: str
    signatures_needed: int
    namespace: str
    def __init__(self, challenge: _Optional[str] = ..., expires_at: _Optional[str] = ..., signatures_needed: _Optional[int] = ..., namespace: _Optional[str] = ...) -> None: ...

class ResumeRequest(_message.Message):
    __slots__ = ("challenge", "signatures", "agents")
    CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    challenge: str
    signatures: _containers.RepeatedScalarFieldContainer[str]
    agents: str
    def __init__(self, challenge: _Optional[str] = ..., signatures: _Optional[_Iterable[str]] = ..., agents: _Optional[str] = ...) -> None: ...

class ResumeResponse(_message.Message):
    __slots__ = ("operators", "mode", "agents_resumed", "audit_id")
    OPERATORS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    AGENTS_RESUMED_FIELD_NUMBER: _ClassVar[int]
    AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    operators: _containers.RepeatedScalarFieldContainer[str]
    mode: str
    agents_resumed: int
    audit_id: str
    def __init__(self, operators: _Optional[_Iterable[str]] = ..., mode: _Optional[str] = ..., agents_resumed: _Optional[int] = ..., audit_id: _Optional[str] = ...) -> None: ...

class GetEventsRequest(_message.Message):
    __slots__ = ("kind", "since", "limit")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    since: str
    limit: int
    def __init__(self, kind: _Optional[str] = ..., since: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class HostEvent(_message.Message):
    __slots__ = ("kind", "json")
    KIND_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    kind: str
    json: str
    def __init__(self, kind: _Optional[str] = ..., json: _Optional[str] = ...) -> None: ...

class GetEventsResponse(_message.Message):
    __slots__ = ("events", "truncated", "window_since")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SINCE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[HostEvent]
    truncated: bool
    window_since: str
    def __init__(self, events: _Optional[_Iterable[_Union[HostEvent, _Mapping]]] = ..., truncated: _Optional[bool] = ..., window_since: _Optional[str] = ...) -> None: ...

class WatchEventsRequest(_message.Message):
    __slots__ = ("kinds", "since", "limit")
    KINDS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedScalarFieldContainer[str]
    since: str
    limit: int
    def __init__(self, kinds: _Optional[_Iterable[str]] = ..., since: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class WatchEventsResponse(_message.Message):
    __slots__ = ("event", "missed")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    MISSED_FIELD_NUMBER: _ClassVar[int]
    event: HostEvent
    missed: int
    def __init__(self, event: _Optional[_Union[HostEvent, _Mapping]] = ..., missed: _Optional[int] = ...) -> None: ...

class ScreenUntrustedRequest(_message.Message):
    __slots__ = ("text", "source")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    text: str
    source: str
    def __init__(self, text: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class ScreenUntrustedResponse(_message.Message):
    __slots__ = ("marked", "risky", "reasons")
    MARKED_FIELD_NUMBER: _ClassVar[int]
    RISKY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    marked: str
    risky: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, marked: _Optional[str] = ..., risky: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class ValidateResponseRequest(_message.Message):
    __slots__ = ("schema_json", "json")
    SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    schema_json: str
    json: str
    def __init__(self, schema_json: _Optional[str] = ..., json: _Optional[str] = ...) -> None: ...

class SchemaViolation(_message.Message):
    __slots__ = ("path", "message")
    PATH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    path: str
    message: str
    def __init__(self, path: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ValidateResponseResponse(_message.Message):
    __slots__ = ("valid", "violations")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    violations: _containers.RepeatedCompositeFieldContainer[SchemaViolation]
    def __init__(self, valid: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[SchemaViolation, _Mapping]]] = ...) -> None: ...

class GetAnalysisRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetAnalysisResponse(_message.Message):
    __slots__ = ("running", "model_state", "model_identifier", "last_window_at", "last_score", "last_window_events", "windows", "escalations", "escalations_rejected", "escalations_failed", "escalation_state", "threshold")
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    MODEL_STATE_FIELD_NUMBER: _ClassVar[int]
    MODEL_IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    LAST_WINDOW_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SCORE_FIELD_NUMBER: _ClassVar[int]
    LAST_WINDOW_EVENTS_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_REJECTED_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_FAILED_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_STATE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    running: bool
    model_state: str
    model_identifier: str
    last_window_at: str
    last_score: float
    last_window_events: int
    windows: int
    escalations: int
    escalations_rejected: int
    escalations_failed: int
    escalation_state: str
    threshold: float
    def __init__(self, running: _Optional[bool] = ..., model_state: _Optional[str] = ..., model_identifier: _Optional[str] = ..., last_window_at: _Optional[str] = ..., last_score: _Optional[float] = ..., last_window_events: _Optional[int] = ..., windows: _Optional[int] = ..., escalations: _Optional[int] = ..., escalations_rejected: _Optional[int] = ..., escalations_failed: _Optional[int] = ..., escalation_state: _Optional[str] = ..., threshold: _Optional[float] = ...) -> None: ...

class Review(_message.Message):
    __slots__ = ("id", "kind", "created_at", "summary", "entry_ids", "state", "acknowledged_by", "acknowledged_at", "note", "details_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ENTRY_IDS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    created_at: str
    summary: str
    entry_ids: _containers.RepeatedScalarFieldContainer[str]
    state: str
    acknowledged_by: str
    acknowledged_at: str
    note: str
    details_json: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., created_at: _Optional[str] = ..., summary: _Optional[str] = ..., entry_ids: _Optional[_Iterable[str]] = ..., state: _Optional[str] = ..., acknowledged_by: _Optional[str] = ..., acknowledged_at: _Optional[str] = ..., note: _Optional[str] = ..., details_json: _Optional[str] = ...) -> None: ...

class ListReviewsRequest(_message.Message):
    __slots__ = ("all", "limit")
    ALL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    all: bool
    limit: int
    def __init__(self, all: _Optional[bool] = ..., limit: _Optional[int] = ...) -> None: ...

class ListReviewsResponse(_message.Message):
    __slots__ = ("reviews", "open")
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    reviews: _containers.RepeatedCompositeFieldContainer[Review]
    open: int
    def __init__(self, reviews: _Optional[_Iterable[_Union[Review, _Mapping]]] = ..., open: _Optional[int] = ...) -> None: ...

class GetReviewRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class AcknowledgeReviewRequest(_message.Message):
    __slots__ = ("id", "note")
    ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    id: str
    note: str
    def __init__(self, id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...
