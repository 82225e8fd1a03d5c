"""The network page in the browser, on a daemon that runs the firewall and the IDS in the test's network namespace.

Sees a rule with who added it and why, the IDS's alert with its evidence and the block it made, presses that address's unblock button, and sees the
block gone.
"""

import sys

from selenium.webdriver.common.by import By

from console_browser import run


def scenario(console, seen: dict, extra: list) -> None:
    driver = console.driver
    address = extra[0]
    console.login()
    seen["network_ms"] = console.timed_get("/network")
    seen["network_heading"] = console.heading()
    problems = console.accessibility_problems()
    seen["no_firewall"] = bool(driver.find_elements(By.ID, "no-firewall"))
    seen["rules"] = console.text("rules") if driver.find_elements(By.ID, "rules") else ""
    seen["alerts"] = console.text("alerts") if driver.find_elements(By.ID, "alerts") else ""
    seen["blocks"] = console.text("blocks") if driver.find_elements(By.ID, "blocks") else ""
    console.shot("network-01-blocked")
    button = driver.find_element(By.CSS_SELECTOR, f"button[aria-label='Unblock {address}']")
    button.click()
    console.wait_for("blocks-heading")
    seen["blocks_after"] = console.text("blocks") if driver.find_elements(By.ID, "blocks") else ""
    seen["changes_after"] = console.text("changes") if driver.find_elements(By.ID, "changes") else ""
    problems += console.accessibility_problems()
    seen["accessibility"] = problems
    console.shot("network-02-unblocked")


if __name__ == "__main__":
    sys.exit(run(scenario))
