"""A real `aios-sec serve` for the tests: its own state directory and keyring vault, stopped by its pid."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[3]


def binary() -> str:
    """`AIOS_SEC_BIN`, else the repository's debug build."""
    path = os.environ.get("AIOS_SEC_BIN") or str(REPOSITORY / ".build" / "debug" / "aios-sec")
    if not os.access(path, os.X_OK):
        raise RuntimeError(
            f"no aios-sec binary at {path}: build it (swift build --product aios-sec) or set AIOS_SEC_BIN"
        )
    return path


class Daemon:
    """`aios-sec serve --state-dir DIR/state --vault aios:vault:sdk-test-… (--listen 127.0.0.1:0 | --socket PATH)`.

    ``address`` is what the daemon printed it listens on (``127.0.0.1:PORT`` or ``unix:PATH``); its output is read
    on a thread for the whole run, so it never blocks on a full pipe, and kept for failure messages.
    """

    def __init__(self, directory: Path, *, socket: Path | None = None, extra: list[str] | None = None) -> None:
        self.directory = directory
        self.state = directory / "state"
        self.vault = f"aios:vault:sdk-test-{uuid.uuid4()}"
        self.socket = socket
        where = ["--socket", str(socket)] if socket else ["--listen", "127.0.0.1:0", "--console", "127.0.0.1:0"]
        # setpriv (util-linux) asks the kernel to send the daemon SIGTERM when the test process dies, so a killed
        # run leaves no daemon behind. Not a preexec_fn: forking a process whose gRPC threads are running and then
        # running Python in the child before exec is unsafe (gRPC's fork handlers broke a restart that way).
        self.arguments = [
            "setpriv",
            "--pdeathsig",
            "TERM",
            "--",
            binary(),
            "serve",
            "--state-dir",
            str(self.state),
            "--vault",
            self.vault,
            *where,
            *(extra or []),
        ]
        self.output: list[str] = []
        self._start()

    def _start(self) -> None:
        self.output.append(f"--- {' '.join(self.arguments)}\n")
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            self.arguments,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        threading.Thread(target=self._drain, args=(self.process, self._lines), daemon=True).start()
        self.address = self._wait_for_listening(timeout=120)

    def restart(self) -> None:
        """Stops the daemon gracefully and starts it again on the same state and vault (a new port)."""
        self._terminate()
        self._start()

    def _drain(self, process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.output.append(line)
            lines.put(line)
        lines.put(None)

    def _wait_for_listening(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            match = re.search(r"listening on (\S+)", line)
            if match:
                return match.group(1)
        self.stop()
        raise RuntimeError(f"the daemon did not start (exit status {self.process.returncode}):\n{''.join(self.output)}")

    def identity(self, name: str) -> Path:
        """STATE/identities/NAME (orchestrator, operator-admin, or an agent's name)."""
        return self.state / "identities" / name

    def stop(self) -> None:
        """Stops the daemon, then destroys its vault."""
        self._terminate()
        subprocess.run(
            [binary(), "secrets", "forget", "--vault", self.vault],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )

    def _terminate(self) -> None:
        """SIGTERM (a graceful shutdown) to our own child by its pid, SIGKILL if it does not end."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
