"""What an operator does day to day, in the browser, on a real daemon.

extra arguments: PENDING_CALL_ID ALERT_COMMAND_JSON

Approves the waiting call (seeing its exact arguments), revokes the grant it used, watches an alert arrive on the
overview without a reload (ALERT_COMMAND_JSON is the argv of a command that makes the daemon raise one), stops
everything from the keyboard alone, and is refused a resume without the operators' signatures. Checks the
accessibility basics on every page on the way.
"""

import json
import subprocess
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from console_browser import run


def scenario(console, seen: dict, extra: list) -> None:
    pending, alert_command = extra[0], json.loads(extra[1])
    driver = console.driver
    problems: list = []
    console.login()
    problems += console.accessibility_problems()

    console.timed_get("/calls")
    seen["call_text"] = console.text(f"call-{pending}")
    problems += console.accessibility_problems()
    console.shot("07-confirmations")
    console.after_click(f"approve-{pending}", "no-calls")

    console.timed_get("/agents")
    problems += console.accessibility_problems()
    console.shot("08-agents-and-grants")
    revoke = driver.find_elements(By.CSS_SELECTOR, "button[id^=revoke-]")
    seen["grants_before"] = len(revoke)
    console.after_click(revoke[0].get_attribute("id"), "revoke-confirm")
    problems += console.accessibility_problems()
    console.after_click("revoke-confirm", "no-grants")

    console.timed_get("/")
    console.wait_for("live-pending")
    subprocess.run(alert_command, check=False, capture_output=True, timeout=60)
    WebDriverWait(driver, 20).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#alerts li")))
    seen["live_alert"] = driver.find_element(By.CSS_SELECTOR, "#alerts li").text
    console.shot("09-live-alert")

    # The emergency stop from the keyboard alone: Tab to the button, Enter, Tab to the confirmation, Enter.
    seen["estop_by_keyboard"] = console.tab_to("estop")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    console.wait_for("estop-confirm")
    problems += console.accessibility_problems()
    seen["confirm_by_keyboard"] = console.tab_to("estop-confirm")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    console.wait_for("resume-link")
    seen["mode_after"] = console.text("mode")

    console.timed_get("/resume")
    problems += console.accessibility_problems()
    console.after_click("get-challenge", "resume")
    problems += console.accessibility_problems()
    console.shot("10-resume-challenge")
    driver.find_element(By.ID, "resume").click()
    WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".problem")))
    seen["resume_refused"] = driver.find_element(By.CSS_SELECTOR, ".problem").text
    console.shot("11-resume-refused")
    console.timed_get("/")
    seen["mode_at_end"] = console.text("mode")
    seen["accessibility"] = problems


if __name__ == "__main__":
    sys.exit(run(scenario))
