"""The web console in a real browser: headless Chromium driven by Selenium (chromium-driver).

usage: browser.py BASE_URL LOGIN_LINK SPKI_SHA256_BASE64 SCREENSHOT_DIR

Trusts exactly the daemon's server key (its SPKI hash) and nothing else, opens the console without a session
(only the login page), logs in with the one-time link, sees the overview in autonomous mode, presses the emergency
stop twice (the second click confirms) and sees manual mode, then checks the link cannot be used again. Prints one
JSON object with what it saw; a screenshot of each page goes into SCREENSHOT_DIR.
"""

import json
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def browser(spki: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for argument in [
        "--headless=new",
        "--no-sandbox",  # the test runs as root; Chromium's own sandbox refuses root
        "--disable-gpu",
        "--window-size=1280,900",
        f"--ignore-certificate-errors-spki-list={spki}",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
    ]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main() -> int:
    base, link, spki, shots = sys.argv[1:5]
    seen: dict = {}
    driver = browser(spki)
    try:
        def after_click(element_id: str, expected_id: str):
            """Clicks, then waits for the next page (a form's navigation finishes after click() returns)."""
            driver.find_element(By.ID, element_id).click()
            return WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.ID, expected_id)))

        def shot(name: str) -> None:
            driver.save_screenshot(f"{shots}/{name}.png")

        def timed_get(url: str) -> float:
            start = time.monotonic()
            driver.get(url)
            return round((time.monotonic() - start) * 1000, 1)

        timed_get(base + "/")
        seen["no_session_heading"] = driver.find_element(By.TAG_NAME, "h1").text
        seen["no_session_has_estop"] = bool(driver.find_elements(By.ID, "estop"))
        shot("01-login")

        driver.get(link)
        shot("02-login-link")
        after_click("login", "mode")
        seen["overview_heading"] = driver.find_element(By.TAG_NAME, "h1").text
        seen["mode_before"] = driver.find_element(By.ID, "mode").text
        cookies = {cookie["name"]: cookie for cookie in driver.get_cookies()}
        session = cookies.get("__Host-aios-console", {})
        seen["cookie"] = {
            "httpOnly": session.get("httpOnly"),
            "secure": session.get("secure"),
            "sameSite": session.get("sameSite"),
            "script_sees_it": "aios-console" in driver.execute_script("return document.cookie"),
        }
        seen["overview_ms"] = timed_get(base + "/")
        shot("03-overview")

        after_click("estop", "estop-confirm")
        seen["confirm_heading"] = driver.find_element(By.TAG_NAME, "h1").text
        shot("04-confirm-stop")
        after_click("estop-confirm", "mode")
        seen["mode_after"] = driver.find_element(By.ID, "mode").text
        shot("05-manual-mode")

        driver.delete_all_cookies()
        driver.get(link)
        driver.find_element(By.ID, "login").click()
        WebDriverWait(driver, 20).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".problem")))
        seen["reused_link"] = driver.find_element(By.CSS_SELECTOR, ".problem").text
        shot("06-reused-link")
        # A page that broke the Content-Security-Policy (an inline script or style, another host) is reported in
        # the browser's console; refused pages (401, 403) and the missing favicon are expected there too.
        seen["csp_violations"] = [
            entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]
        ]
    except Exception:
        # What the browser showed when an expectation failed: the page's text, and its screenshot.
        driver.save_screenshot(f"{shots}/failed.png")
        print(driver.current_url, driver.find_element(By.TAG_NAME, "body").text, file=sys.stderr)
        raise
    finally:
        driver.quit()
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
