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
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
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


ACCESSIBILITY = r"""
const problems = [];
if (!document.documentElement.lang) problems.push("no lang on <html>");
if (!document.title) problems.push("no title");
if (document.querySelectorAll("h1").length !== 1) problems.push("not exactly one h1");
for (const field of document.querySelectorAll("input:not([type=hidden]), textarea, select")) {
  const label = field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
  if (!label && !field.getAttribute("aria-label") && !field.closest("label")) {
    problems.push("no label: " + field.tagName + " " + (field.name || ""));
  }
}
for (const element of document.querySelectorAll("button, a")) {
  if (!element.textContent.trim() && !element.getAttribute("aria-label")) problems.push("no name: " + element.outerHTML);
}
for (const image of document.querySelectorAll("img:not([alt])")) problems.push("no alt: " + image.src);
const channels = (color) => color.match(/[\d.]+/g).map(Number);
const luminance = (color) => {
  const [r, g, b] = color.slice(0, 3).map((value) => {
    value /= 255;
    return value <= 0.03928 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const background = (element) => {
  for (; element; element = element.parentElement) {
    const color = channels(getComputedStyle(element).backgroundColor);
    if (color.length < 4 || color[3] > 0) return color;
  }
  return [255, 255, 255];
};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const checked = new Set();
while (walker.nextNode()) {
  const element = walker.currentNode.parentElement;
  if (!walker.currentNode.textContent.trim() || checked.has(element)) continue;
  checked.add(element);
  const style = getComputedStyle(element);
  const [a, b] = [luminance(channels(style.color)), luminance(background(element))];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) {
    problems.push("contrast " + ratio.toFixed(2) + ": " + walker.currentNode.textContent.trim().slice(0, 40));
  }
}
return problems;
"""


class Console:
    """One browser on one console."""

    def __init__(self, base: str, link: str, spki: str, shots: str):
        self.base, self.link, self.shots = base, link, shots
        self.driver = browser(spki)

    def wait_for(self, element_id: str, timeout: float = 20):
        return WebDriverWait(self.driver, timeout).until(
            expected_conditions.presence_of_element_located((By.ID, element_id)))

    def after_click(self, element_id: str, expected_id: str):
        """Clicks, then waits for the next page (a form's navigation finishes after click() returns): the old page
        must be gone before `expected_id` counts, since the next page may have the same ids."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.ID, element_id).click()
        # Chromium may answer "node does not belong to the document" while it swaps the pages: ask again.
        WebDriverWait(self.driver, 20, ignored_exceptions=[WebDriverException]).until(
            expected_conditions.staleness_of(page))
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

    def accessibility_problems(self) -> list:
        """The basics on the page shown: a language and a title, one h1, a label for every field, a name for every
        button and link, alt text on images, and WCAG AA contrast (4.5:1, 3:1 for large text) for every text."""
        return [f"{self.driver.current_url}: {problem}" for problem in self.driver.execute_script(ACCESSIBILITY)]

    def tab_to(self, element_id: str, limit: int = 60) -> bool:
        """Presses Tab until the element has the keyboard's focus (False when it never gets it)."""
        body = self.driver.find_element(By.TAG_NAME, "body")
        for _ in range(limit):
            if self.driver.execute_script("return document.activeElement && document.activeElement.id") == element_id:
                return True
            body.send_keys(Keys.TAB)
        return False

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
