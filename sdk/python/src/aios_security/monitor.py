"""The security agent's view of the host, named as its analysis loop reads it.

::

    network_events = await client.monitor.get_network_events(last="5m")
    file_changes = await client.monitor.get_file_changes(last="5m")
    process_events = await client.monitor.get_process_events(last="5m")
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .client import SecurityClient
    from .types import EventList

Since = str | datetime | timedelta


class Monitor:
    """Reads the daemon's host events (see :meth:`SecurityClient.get_events`), one method per kind."""

    def __init__(self, client: SecurityClient) -> None:
        self._client = client

    async def get_network_events(self, last: Since = "5m", *, limit: int | None = None) -> EventList:
        """Connections, inbound and outbound, and their ends."""
        return await self._client.get_events("network", last=last, limit=limit)

    async def get_file_changes(self, last: Since = "5m", *, limit: int | None = None) -> EventList:
        """Changes to the watched files, by the Broker or anyone else."""
        return await self._client.get_events("files", last=last, limit=limit)

    async def get_process_events(self, last: Since = "5m", *, limit: int | None = None) -> EventList:
        """Process starts, programs, credential changes and ends; agents started and stopped."""
        return await self._client.get_events("processes", last=last, limit=limit)

    async def get_alerts(self, last: Since = "5m", *, limit: int | None = None) -> EventList:
        """Every security alert, whichever detector raised it."""
        return await self._client.get_events("alerts", last=last, limit=limit)
