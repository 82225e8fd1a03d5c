"""The Python SDK as a separate-process client of `aios-sec bench serve`: Status or Authorize in a closed loop
from `--concurrency` asyncio tasks on one SecurityClient, for `--seconds`. Prints one line:
SERVE_CLIENT {"calls_per_second": ..., "p50_ms": ..., "p99_ms": ..., "calls": ...}
"""
import argparse
import asyncio
import json
import time

from aios_security import SecurityClient


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--identity", required=True)
    parser.add_argument("--rpc", choices=["status", "authorize"], default="status")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5.0)
    arguments = parser.parse_args()
    latencies: list[float] = []
    async with SecurityClient(arguments.server, arguments.identity) as client:
        await client.status()  # the handshake, outside the measurement
        deadline = time.perf_counter() + arguments.seconds

        async def caller() -> None:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                if arguments.rpc == "status":
                    await client.status()
                else:
                    decision = await client.authorize("fs.read", {"path": "/etc/hosts"})
                    assert decision.allowed, decision
                latencies.append((time.perf_counter() - start) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(arguments.concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else 0.0

    result = {
        "calls_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(0.5), 3),
        "p99_ms": round(percentile(0.99), 3),
        "calls": len(latencies),
    }
    print("SERVE_CLIENT " + json.dumps(result))


asyncio.run(main())
