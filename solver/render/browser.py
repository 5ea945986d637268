"""Headless Chromium for the report's tests and the docs' screenshots (selenium, the `test` extra).

Debian's ``chromium`` and ``chromium-driver`` packages; nothing is downloaded. The browser is started
with no network of its own (background networking, component updates and first-run work off, a
throw-away profile) and with the browser console and the DevTools performance log recorded, so a
test can assert that a page made no request and logged no error.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


def find(paths: tuple[str, ...], name: str) -> str | None:
    for p in paths:
        if Path(p).exists():
            return p
    return shutil.which(name)


def missing() -> str | None:
    """Why the browser cannot run here (None when it can)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    if find(CHROMIUM, "chromium") is None:
        return "chromium is not installed (Debian: apt-get install chromium)"
    if find(CHROMEDRIVER, "chromedriver") is None:
        return "chromedriver is not installed (Debian: apt-get install chromium-driver)"
    return None


@dataclass
class Browser:
    driver: object
    profile: tempfile.TemporaryDirectory
    seen: list = field(default_factory=list)

    def open(self, path: str | Path) -> None:
        self.logs()  # drop what earlier pages logged
        self.driver.get(Path(path).resolve().as_uri())

    def logs(self) -> tuple[list[dict], list[str]]:
        """(console entries, URLs requested) since the last call."""
        console = self.driver.get_log("browser")
        urls = []
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                urls.append(msg["params"]["request"]["url"])
        return console, urls

    def screenshot(self, out: str | Path, width: int = 1280, height: int | None = None, selector: str | None = None) -> None:
        """A PNG of the page (the whole page when ``height`` is None), or of one element."""
        d = self.driver
        d.set_window_size(width, 900)
        if selector:
            d.find_element("css selector", selector).screenshot(str(out))
            return
        if height is None:
            height = int(d.execute_script("return Math.ceil(document.documentElement.scrollHeight)"))
        d.set_window_size(width, height)
        d.save_screenshot(str(out))

    def screenshot_at(self, out: str | Path, selector: str, width: int = 1280, height: int = 1000) -> None:
        """A viewport-sized PNG that starts at ``selector`` (a section's first screen)."""
        d = self.driver
        d.set_window_size(width, height)
        d.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start'}); "
                         "window.scrollBy(0, -12);", selector)
        d.save_screenshot(str(out))

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            self.profile.cleanup()


def start(width: int = 1280, height: int = 900) -> Browser:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.TemporaryDirectory(prefix="wrp-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = find(CHROMIUM, "chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars",
                 "--disable-sync", "--disable-default-apps", "--force-device-scale-factor=1",
                 f"--window-size={width},{height}", f"--user-data-dir={profile.name}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=find(CHROMEDRIVER, "chromedriver")))
    b = Browser(driver, profile)
    driver.get("about:blank")  # leave the new-tab page (it loads chrome:// resources of its own)
    b.logs()
    return b


__all__ = ["start", "missing", "Browser"]
