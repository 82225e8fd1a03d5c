"""The README's seed example runs as written, as a program of its own configured by the environment."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import ORCHESTRATOR, TASK_AGENT

README = Path(__file__).resolve().parents[1] / "README.md"


async def test_the_readme_seed_example_runs(daemon, connect) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    seed = next(block for block in blocks if "asyncio.run(main())" in block)
    environment = dict(os.environ, AIOS_SERVER=daemon.address, AIOS_IDENTITY=str(daemon.identity(ORCHESTRATOR)))
    environment.pop("AIOS_SOCKET", None)
    ran = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", seed], env=environment, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    orchestrator = connect(ORCHESTRATOR)
    grants = [g for g in await orchestrator.list_grants(TASK_AGENT) if g.task_id == "task-123"]
    assert [g.capability for g in grants] == ["fs:write:/var/www/*"]
    assert [g.id for g in await orchestrator.complete_task("task-123")] == [grants[0].id]
