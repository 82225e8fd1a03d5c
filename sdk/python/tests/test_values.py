"""Durations and times as the daemon reads them (no daemon needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from aios_security import InvalidArgument, format_duration
from aios_security._values import time_filter


def test_durations() -> None:
    assert format_duration("10m") == "10m"
    assert format_duration(timedelta(minutes=10)) == "10m"
    assert format_duration(timedelta(days=1, hours=2, minutes=3, seconds=4)) == "1d2h3m4s"
    with pytest.raises(InvalidArgument):
        format_duration(timedelta(milliseconds=500))


def test_times_are_utc_with_milliseconds() -> None:
    moment = datetime(2026, 12, 3, 11, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert time_filter(moment) == "2026-12-03T10:00:00.123Z"
    assert time_filter(datetime(2026, 12, 3, 10, 0, tzinfo=UTC)) == "2026-12-03T10:00:00.000Z"
    assert time_filter(timedelta(minutes=15)) == "15m"
    assert time_filter("2026-11-29") == "2026-11-29"


def test_pending_package_call_carries_its_report() -> None:
    from aios_security import PendingCall
    from aios_security._proto import security_pb2 as pb

    message = pb.PendingCall(
        id="pending-1",
        tool="pkg.install",
        arguments={"package": "nginx"},
        report='{"verdict":"confirm","findings":[{"kind":"install_script"}]}',
    )
    call = PendingCall._from_proto(message)
    assert call.report is not None and call.report["verdict"] == "confirm"
    assert PendingCall._from_proto(pb.PendingCall(id="pending-2", tool="fs.delete")).report is None
