"""A real `aios-sec serve` for the MCP tests: its own state directory and vault, a free loopback port."""

import os
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("AIOS_SEC_BIN", str(ROOT / ".build" / "debug" / "aios-sec"))


class Daemon:
    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="aios-mcp-"))
        self.state = self.directory / "state"
        self.vault = f"aios:vault:test-{uuid.uuid4()}"
        self.process = subprocess.Popen(
            [BINARY, "serve", "--state-dir", str(self.state), "--vault", self.vault, "--listen", "127.0.0.1:0", "--console", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        seen = ""
        for line in self.process.stdout:
            seen += line
            match = re.search(r"listening on (\S+)", line)
            if match:
                self.address = match.group(1)
                break
        else:
            raise RuntimeError(f"the daemon did not start: {seen}")

    def identity(self, name: str) -> str:
        return str(self.state / "identities" / name)

    def call(self, verb: str, identity: str, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [BINARY, "call", verb, "--server", self.address, "--identity", self.identity(identity), *arguments],
            capture_output=True,
            text=True,
            timeout=120,
        )

    def mcp_arguments(self, identity: str) -> list[str]:
        return ["mcp", "--server", self.address, "--identity", self.identity(identity)]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        subprocess.run([BINARY, "secrets", "forget", "--vault", self.vault], capture_output=True)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def daemon():
    running = Daemon()
    yield running
    running.stop()
