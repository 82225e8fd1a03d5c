"""The audit ledger in the browser.

Searches the ledger (the console's own login is in it), is told which field is wrong for a bad time, opens an
entry, checks its inclusion proof, runs a verification and follows its progress until the result, and exports the
search as JSON lines (a real download).
"""

import glob
import json
import os
import sys
import time

from selenium.webdriver.common.by import By

from console_browser import run


def search(console, fields: dict, expected: str = "results") -> None:
    """Searches and waits for the answer page: the audit page itself has `results`, so the old page must be gone
    before `expected` counts (else a later click can land on the old page's elements)."""
    driver = console.driver
    console.timed_get("/audit")
    for name, value in fields.items():
        box = driver.find_element(By.ID, name)
        box.clear()
        box.send_keys(value)
    console.after_click("search", expected)


def scenario(console, seen: dict, extra: list) -> None:
    driver = console.driver
    problems: list = []
    console.login()
    seen["audit_ms"] = console.timed_get("/audit")
    seen["audit_heading"] = console.heading()
    problems += console.accessibility_problems()

    search(console, {"since": "yesterday"}, expected="search-problem")
    seen["bad_input"] = console.text("search-problem")
    problems += console.accessibility_problems()
    console.shot("audit-02-bad-input")

    search(console, {"agent": "operator:alice", "type": "authentication"})
    rows = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    seen["results"] = len(rows)
    seen["first_row"] = rows[0].text if rows else ""
    problems += console.accessibility_problems()
    console.shot("audit-01-search")

    driver.find_element(By.CSS_SELECTOR, "#results tbody tr a").click()
    console.wait_for("entry-id")
    seen["entry_id"] = console.text("entry-id")
    seen["entry_fields"] = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "#entry-fields th")]
    problems += console.accessibility_problems()
    console.shot("audit-03-entry")

    # A checkpoint covers a new entry within a second: until then the proof page says none does yet.
    for _ in range(20):
        driver.get(f"{console.base}/audit/entry/{seen['entry_id']}/proof")
        if driver.find_elements(By.ID, "proof-result"):
            break
        time.sleep(0.5)
    seen["proof"] = console.text("proof-result")
    problems += console.accessibility_problems()
    console.shot("audit-04-proof")

    console.timed_get("/audit")
    driver.find_element(By.ID, "verify").click()
    # The page follows the running verification (its script asks for the progress) and shows the result when it
    # ends; the counts the script wrote on the way are kept.
    checked = []
    seen["verify_progress_seen"] = False
    for _ in range(1200):
        if driver.find_elements(By.ID, "verify-result"):
            break
        if driver.find_elements(By.ID, "verify-checked"):
            try:
                count = int(console.text("verify-checked"))
                seen["verify_progress_seen"] = True
                if count > 0 and not any(checked):
                    console.shot("audit-05-verify-progress")
                checked.append(count)
            except Exception:  # the page reloaded between finding the element and reading it
                pass
        time.sleep(0.1)
    seen["verify_checked"] = sorted(set(checked))
    console.wait_for("verify-result", timeout=120)
    seen["verify"] = console.text("verify-result")
    problems += console.accessibility_problems()
    console.shot("audit-06-verify")

    downloads = os.path.join(console.shots, "downloads")
    os.makedirs(downloads, exist_ok=True)
    for old in glob.glob(os.path.join(downloads, "*")):
        os.remove(old)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    search(console, {"agent": "operator:alice", "type": "authentication"})
    driver.find_element(By.ID, "export").click()
    files = []
    for _ in range(100):
        files = [name for name in glob.glob(os.path.join(downloads, "*.jsonl"))]
        if files:
            break
        time.sleep(0.2)
    seen["export_files"] = [os.path.basename(name) for name in files]
    lines = open(files[0], encoding="utf-8").read().splitlines() if files else []
    seen["export_lines"] = len(lines)
    seen["export_agents"] = sorted({json.loads(line)["agent"] for line in lines})
    seen["accessibility"] = problems


if __name__ == "__main__":
    sys.exit(run(scenario))
