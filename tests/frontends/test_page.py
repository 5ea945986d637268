"""The caseworker page in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven by
selenium against `wrp serve` started on a free loopback port. Skipped, with the reason, only when the
browser or its driver is not installed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from policy.load import load_policy
from policy.yamlio import read_yaml

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)),
                                reason=f"needs chromium and chromedriver ({CHROMIUM}, {DRIVER}): "
                                       "apt-get install chromium chromium-driver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    wrp = Path(sys.executable).parent / "wrp"
    proc = subprocess.Popen([str(wrp), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/api/jurisdictions", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"wrp serve exited: {proc.stdout.read().decode()}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--window-size=1400,2200",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _flat(node, prefix=""):
    for k, v in node.items():
        name = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            yield from _flat(v, name)
        else:
            yield name, v


def _fill(driver, profile: Path) -> None:
    from selenium.webdriver.support.ui import Select
    for name, value in _flat(read_yaml(profile)):
        el = driver.find_element("id", f"f-{name}")
        if el.tag_name == "select":
            Select(el).select_by_value(str(value).lower() if isinstance(value, bool) else str(value))
        else:
            el.clear()
            el.send_keys(", ".join(map(str, value)) if isinstance(value, list) else str(value))


def _wait(driver, css: str, timeout: float = 60):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
        ec.visibility_of_element_located(("css selector", css)))


def test_caseworker_page(server, browser, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get(server + "/")
    WebDriverWait(browser, 30).until(lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "1")
    assert browser.find_element("id", "title").text == "北京市工作居住证 · 资格核查"  # Chinese by default
    assert "学位" in browser.find_element("id", "profile").text  # labels from the schema

    # an example the shipped docs use: rejected for income, in Changping
    _fill(browser, ROOT / "examples" / "changping_rejected_income.yaml")
    browser.find_element("id", "submit").click()
    status = _wait(browser, "#verdict-status")
    assert status.text == "不符合条件"
    failed = browser.find_element("css selector", "#proof .clause.failed[data-clause='changping.applicant.income']")
    assert "001_be62ffba661c98fa.txt 二、（二）" in failed.text
    assert "月均应税收入额不低于上一年度本市全口径城镇单位就业人员平均工资的1.2倍" in failed.text  # the original quote
    assert "14,111" in browser.find_element("id", "fix").text
    rows = browser.find_elements("css selector", "#districts tr[data-district]")
    assert [r.get_attribute("data-district") for r in rows] == load_policy().ids()
    for r in rows:  # a pathway is listed only where the district is eligible (its own clauses may hold elsewhere)
        status_cell, pathways_cell = r.find_elements("tag name", "td")[1:3]
        if status_cell.text != "符合条件":
            assert pathways_cell.text == "—", (r.get_attribute("data-district"), pathways_cell.text)
    browser.save_screenshot(str(tmp_path / "page_zh.png"))

    # English: labels and verdict change, the quote stays Chinese
    browser.find_element("id", "lang").click()
    from selenium.common.exceptions import StaleElementReferenceException
    WebDriverWait(browser, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_element("id", "verdict-status").text == "ineligible")
    assert browser.find_element("id", "title").text.startswith("Beijing Work Residence Permit")
    assert "degree" in browser.find_element("id", "profile").text
    failed = browser.find_element("css selector", "#proof .clause.failed[data-clause='changping.applicant.income']")
    assert "月均应税收入额不低于" in failed.text
    browser.save_screenshot(str(tmp_path / "page_en.png"))

    # a bad value: the server's one message, the field marked
    field = browser.find_element("id", "f-applicant.work_experience_years")
    field.clear()
    field.send_keys("three <b>years</b>")
    browser.find_element("id", "submit").click()
    err = _wait(browser, "#error")
    assert "applicant.work_experience_years" in err.text and "must be a number (years), got `three <b>years</b>`" in err.text
    assert "work experience (applicant.work_experience_years): must be a number" in err.text  # the form's words,
    assert "profile.json" not in err.text  # not a position in the JSON the page sent
    row = browser.find_element("id", "row-applicant.work_experience_years")
    assert "must be a number (years)" in row.find_element("css selector", ".field-msg").text  # under the field too
    assert browser.find_elements("css selector", "#error b") == []  # user text escaped, not parsed as HTML
    assert "invalid" in browser.find_element("id", "row-applicant.work_experience_years").get_attribute("class")
    browser.save_screenshot(str(tmp_path / "page_error.png"))
    shot = os.environ.get("WRP_SCREENSHOT_DIR")
    if shot:  # keep them for a person to look at
        for p in tmp_path.glob("*.png"):
            shutil.copy(p, Path(shot) / p.name)
