"""The AI analysis and the AI-specific defences, as every agent uses them.

::

    screened = await client.analysis.screen_untrusted(page_text, source="https://example.org/")
    prompt = f"Summarise this page.\\n{screened.marked}"          # data in a marked block, never instructions
    if screened.risky:
        ...                                                      # screened.reasons says why

    check = await client.analysis.validate_response(schema, model_output)
    if not check.valid:
        ...                                                      # check.violations: path and message each

    for item in await client.analysis.reviews():                 # the human review queue
        print(item.kind, item.summary, item.entry_ids)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._proto import security_pb2 as pb
from .types import parse_time

if TYPE_CHECKING:
    from .client import SecurityClient

__all__ = ["AnalysisState", "Analysis", "ReviewItem", "ScreenedText", "SchemaViolation", "ValidationResult"]


@dataclass(frozen=True)
class ScreenedText:
    """Untrusted text inside a delimited, datamarked block (``marked``) for a user turn, never a system prompt;
    ``risky`` when instruction-like or hidden content was found, ``reasons`` naming what (never quoting it)."""

    marked: str
    risky: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SchemaViolation:
    path: str
    message: str


@dataclass(frozen=True)
class ValidationResult:
    """Whether a model's output matched the schema; each violation with where (``$.actions[0].target``)."""

    valid: bool
    violations: list[SchemaViolation] = field(default_factory=list)


@dataclass(frozen=True)
class AnalysisState:
    running: bool
    model_state: str
    model_identifier: str
    last_window_at: datetime | None
    last_score: float | None
    last_window_events: int
    windows: int
    escalations: int
    escalations_rejected: int
    escalations_failed: int
    escalation_state: str
    threshold: float


@dataclass(frozen=True)
class ReviewItem:
    """One thing for a person to look at, linked to the ledger entries it is about."""

    id: str
    kind: str
    created_at: datetime | None
    summary: str
    entry_ids: list[str]
    state: str
    acknowledged_by: str
    acknowledged_at: datetime | None
    note: str
    details: Any

    @classmethod
    def _from_proto(cls, message: pb.Review) -> ReviewItem:
        return cls(
            id=message.id,
            kind=message.kind,
            created_at=parse_time(message.created_at),
            summary=message.summary,
            entry_ids=list(message.entry_ids),
            state=message.state,
            acknowledged_by=message.acknowledged_by,
            acknowledged_at=parse_time(message.acknowledged_at),
            note=message.note,
            details=json.loads(message.details_json) if message.details_json else None,
        )


class Analysis:
    """The daemon's analysis services (see :attr:`SecurityClient.analysis`)."""

    def __init__(self, client: SecurityClient) -> None:
        self._client = client

    async def screen_untrusted(self, text: str, source: str = "", *, timeout: float | None = None) -> ScreenedText:
        """Marks external text as data and flags injection attempts. Any caller; at most 64 KiB at once."""
        request = pb.ScreenUntrustedRequest(text=text, source=source)
        response = await self._client._call("ScreenUntrusted", request, self._client._timeout(timeout))
        return ScreenedText(marked=response.marked, risky=response.risky, reasons=list(response.reasons))

    async def validate_response(
        self, schema: dict[str, Any] | str, output: str, *, timeout: float | None = None
    ) -> ValidationResult:
        """Checks an LLM's JSON ``output`` against ``schema`` (a JSON Schema subset) before acting on it."""
        schema_json = schema if isinstance(schema, str) else json.dumps(schema)
        request = pb.ValidateResponseRequest(schema_json=schema_json, json=output)
        response = await self._client._call("ValidateResponse", request, self._client._timeout(timeout))
        return ValidationResult(
            valid=response.valid,
            violations=[SchemaViolation(path=v.path, message=v.message) for v in response.violations],
        )

    async def state(self, *, timeout: float | None = None) -> AnalysisState:
        """The loop: the model and whether its files were verified, the last score, escalations."""
        response = await self._client._call("GetAnalysis", pb.GetAnalysisRequest(), self._client._timeout(timeout))
        return AnalysisState(
            running=response.running,
            model_state=response.model_state,
            model_identifier=response.model_identifier,
            last_window_at=parse_time(response.last_window_at),
            last_score=response.last_score if response.last_window_at and response.model_identifier else None,
            last_window_events=response.last_window_events,
            windows=response.windows,
            escalations=response.escalations,
            escalations_rejected=response.escalations_rejected,
            escalations_failed=response.escalations_failed,
            escalation_state=response.escalation_state,
            threshold=response.threshold,
        )

    async def reviews(self, *, all: bool = False, limit: int = 100, timeout: float | None = None) -> list[ReviewItem]:
        """The review queue, newest first: open items, or every item with ``all=True``."""
        request = pb.ListReviewsRequest(all=all, limit=limit)
        response = await self._client._call("ListReviews", request, self._client._timeout(timeout))
        return [ReviewItem._from_proto(item) for item in response.reviews]

    async def review(self, review_id: str, *, timeout: float | None = None) -> ReviewItem:
        request = pb.GetReviewRequest(id=review_id)
        return ReviewItem._from_proto(await self._client._call("GetReview", request, self._client._timeout(timeout)))

    async def acknowledge_review(self, review_id: str, note: str, *, timeout: float | None = None) -> ReviewItem:
        """Operators only: marks an item seen, with a note; recorded in the ledger."""
        response = await self._client._call(
            "AcknowledgeReview", pb.AcknowledgeReviewRequest(id=review_id, note=note), self._client._timeout(timeout)
        )
        return ReviewItem._from_proto(response)
