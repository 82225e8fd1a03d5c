"""Logging in and the emergency stop, in the browser.

Opens the console without a session (only the login page), logs in with the one-time link, sees the overview in
autonomous mode, presses the emergency stop twice (the second click confirms) and sees manual mode, then checks the
link cannot be used again. Cookie flags are read from the browser; a form carrying the token of a session that
ended (logged out, then in again with the second link, extra argument 1) is refused.
"""

import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from console_browser import run


def scenario(console, seen: dict, extra: list) -> None:
    driver = console.driver
    console.timed_get("/")
    seen["no_session_heading"] = console.heading()
    seen["no_session_has_estop"] = bool(driver.find_elements(By.ID, "estop"))
    console.shot("01-login")

    driver.get(console.link)
    console.shot("02-login-link")
    console.after_click("login", "mode")
    seen["overview_heading"] = console.heading()
    seen["mode_before"] = console.text("mode")
    cookies = {cookie["name"]: cookie for cookie in driver.get_cookies()}
    session = cookies.get("__Host-aios-console", {})
    seen["cookie"] = {
        "httpOnly": session.get("httpOnly"),
        "secure": session.get("secure"),
        "sameSite": session.get("sameSite"),
        "script_sees_it": "aios-console" in driver.execute_script("return document.cookie"),
    }
    seen["overview_ms"] = console.timed_get("/")
    console.shot("03-overview")

    # A form from a session that ended: log out, log in again (a second link), and send the old page's token.
    stale = driver.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
    driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
    console.wait_for("login-instructions")
    driver.get(extra[0])
    console.after_click("login", "mode")
    driver.execute_script("document.getElementById('estop').form.csrf.value = arguments[0]", stale)
    driver.find_element(By.ID, "estop").click()
    WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".problem")))
    seen["stale_csrf"] = driver.find_element(By.CSS_SELECTOR, ".problem").text
    console.shot("03b-stale-csrf-refused")
    console.timed_get("/")

    console.after_click("estop", "estop-confirm")
    seen["confirm_heading"] = console.heading()
    console.shot("04-confirm-stop")
    console.after_click("estop-confirm", "mode")
    seen["mode_after"] = console.text("mode")
    console.shot("05-manual-mode")

    driver.delete_all_cookies()
    driver.get(console.link)
    driver.find_element(By.ID, "login").click()
    WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".problem")))
    seen["reused_link"] = driver.find_element(By.CSS_SELECTOR, ".problem").text
    console.shot("06-reused-link")


if __name__ == "__main__":
    sys.exit(run(scenario))
