"""What every browser scenario of the web console shares: headless Chromium (Debian's chromium and chromium-driver)
driven by Selenium, trusting exactly the daemon's server key, with helpers to log in, click and wait, time a page
and save screenshots.

A scenario is a script `browser_NAME.py BASE_URL LOGIN_LINK SPKI_SHA256_BASE64 SCREENSHOT_DIR [EXTRA…]` whose
`scenario(console, seen, extra)` fills `seen`; `run(scenario)` prints `seen` as one JSON object, or on failure
saves `failed-NAME.png` and prints the page's text to stderr.
"""

import json
import os
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


class Console:
    """One browser on one console."""

    def __init__(self, base: str, link: str, spki: str, shots: str):
        self.base, self.link, self.shots = base, link, shots
        self.driver = browser(spki)

    def wait_for(self, element_id: str, timeout: float = 20):
        return WebDriverWait(self.driver, timeout).until(
            expected_conditions.presence_of_element_located((By.ID, element_id)))

    def after_click(self, element_id: str, expected_id: str):
        """Clicks, then waits for the next page (a form's navigation finishes after click() returns)."""
        self.driver.find_element(By.ID, element_id).click()
        return self.wait_for(expected_id)

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(f"{self.shots}/{name}.png")

    def timed_get(self, path: str) -> float:
        """Loads BASE_URL + path; milliseconds until the page's load event."""
        start = time.monotonic()
        self.driver.get(self.base + path)
        return round((time.monotonic() - start) * 1000, 1)

    def login(self) -> None:
        """Opens the one-time link and presses its button: the overview follows."""
        self.driver.get(self.link)
        self.after_click("login", "mode")

    def text(self, element_id: str) -> str:
        return self.driver.find_element(By.ID, element_id).text

    def heading(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def csp_violations(self) -> list:
        """A page that broke the Content-Security-Policy (an inline script or style, another host) is reported in the
        browser's console; refused pages (401, 403) and the missing favicon are expected there too."""
        return [entry["message"] for entry in self.driver.get_log("browser")
                if "Content Security Policy" in entry["message"]]


def run(scenario) -> int:
    base, link, spki, shots = sys.argv[1:5]
    console = Console(base, link, spki, shots)
    seen: dict = {}
    name = os.path.basename(sys.argv[0]).removesuffix(".py")
    try:
        scenario(console, seen, sys.argv[5:])
        seen["csp_violations"] = console.csp_violations()
    except Exception:
        # What the browser showed when an expectation failed: the page's text, and its screenshot.
        console.driver.save_screenshot(f"{shots}/failed-{name}.png")
        print(console.driver.current_url, console.driver.find_element(By.TAG_NAME, "body").text, file=sys.stderr)
        raise
    finally:
        console.driver.quit()
    print(json.dumps(seen))
    return 0
