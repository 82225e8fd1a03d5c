"""Durations and times as the daemon reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .errors import InvalidArgument

__all__ = ["format_duration", "time_filter"]


def format_duration(duration: str | timedelta) -> str:
    """A duration as the daemon reads it: ``"10m"``, ``"1h30m"``, or a :class:`~datetime.timedelta` (whole
    seconds, at least one)."""
    if isinstance(duration, str):
        return duration
    seconds = int(duration.total_seconds())
    if seconds < 1:
        raise InvalidArgument(f"a duration must be at least one second, not {duration}")
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    return "".join(f"{value}{unit}" for value, unit in parts if value)


def time_filter(value: str | datetime | timedelta) -> str:
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, datetime):
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return value
