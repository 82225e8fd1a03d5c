"""How long the console's pages take to load in the browser, logged in.

extra arguments: ROUNDS PATH…

Loads each PATH ROUNDS times (after one unmeasured load) and reports the median and the slowest, in milliseconds
until the page's load event; the login page without a session is the anchor (the same server, no data to show).
"""

import statistics
import sys

from console_browser import run


NAVIGATION = """
const entry = performance.getEntriesByType("navigation")[0];
return [entry.responseStart - entry.requestStart, entry.responseEnd - entry.requestStart];
"""


def measure(console, path: str, rounds: int) -> dict:
    """The load as the browser's user waits for it, and from the browser's own navigation timing: until the
    first byte of the answer (the daemon's work) and until its last byte."""
    console.timed_get(path)
    loads, first, last = [], [], []
    for _ in range(rounds):
        loads.append(console.timed_get(path))
        to_first, to_last = console.driver.execute_script(NAVIGATION)
        first.append(to_first)
        last.append(to_last)
    return {
        "median_ms": round(statistics.median(loads), 1), "max_ms": max(loads),
        "first_byte_median_ms": round(statistics.median(first), 1),
        "last_byte_median_ms": round(statistics.median(last), 1),
    }


def scenario(console, seen: dict, extra: list) -> None:
    rounds, paths = int(extra[0]), extra[1:]
    seen["anchor_login_page"] = measure(console, "/login", rounds)
    console.login()
    seen["pages"] = {path: measure(console, path, rounds) for path in paths}
    console.timed_get("/agents")
    seen["agents_shown"] = len(console.driver.find_elements("css selector", "#agents-heading + table tbody tr"))
    stop = console.driver.find_elements("css selector", "button[id^=stop-]")
    if stop:
        # Stopping one agent from its row (the rows are in name order): the page after shows it stopped.
        first = stop[0].get_attribute("id").removeprefix("stop-")
        seen["stopped_agent"] = first
        console.timed_get("/agents")
        console.after_click(f"stop-{first}", "stop-confirm")
        console.after_click("stop-confirm", f"agent-{first}")
        seen["stopped_row"] = console.text(f"agent-{first}")


if __name__ == "__main__":
    sys.exit(run(scenario))
