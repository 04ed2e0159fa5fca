"""``cashloop ui`` driven by a real headless browser (Debian's chromium and chromium-driver):
the runs page lists a run, its page draws the charts, and a run written while the pages are open
appears and updates without a reload. A screenshot of the live run page is kept as a test
artefact under $CASHLOOP_ARTIFACTS (default tests/artifacts/).

Skipped when chromium, chromedriver or selenium is missing, unless CASHLOOP_REQUIRE_SERVERS=1
(CI), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from campaign_helpers import CASHLOOP, ROOT, base_config, policy_text

from cashloop.testing.llm_stub import LLMStubServer, StubReply

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _need(what: str) -> None:
    if os.environ.get("CASHLOOP_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{what} is required here (CASHLOOP_REQUIRE_SERVERS=1)")
    pytest.skip(f"{what} is not installed (apt-get install chromium chromium-driver)")


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _need("selenium")
    if CHROMIUM is None or CHROMEDRIVER is None:
        _need("chromium and chromedriver")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=1400,1500", "--disable-gpu"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def artifacts() -> Path:
    folder = Path(os.environ.get("CASHLOOP_ARTIFACTS") or ROOT / "tests" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _wait(condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def dashboard(campaign_dir: Path) -> Iterator[tuple[str, Path]]:
    """A database with one finished run, and ``cashloop ui`` serving it on a free port."""
    db = campaign_dir / "runs.db"
    command = [*CASHLOOP, "run", "base.yaml", "--db", str(db), "--json"]
    done = subprocess.run(command, cwd=campaign_dir, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    server = subprocess.Popen([*CASHLOOP, "ui", "--db", str(db), "--port", "0"],
                              cwd=campaign_dir, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        assert "http://127.0.0.1:" in line, line
        yield line.split()[2], db
    finally:
        server.terminate()
        server.wait(timeout=10)


def _links(driver: Any, selector: str) -> list[str]:
    """The texts of the links matching ``selector``, read in one step (tables redraw live)."""
    return list(driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(a => a.textContent)", selector
    ))  # fmt: skip


def _click(driver: Any, selector: str, text_start: str) -> None:
    """Click the first link matching ``selector`` whose text starts with ``text_start``."""
    driver.execute_script(
        "[...document.querySelectorAll(arguments[0])]"
        ".find(a => a.textContent.startsWith(arguments[1])).click()",
        selector, text_start,
    )  # fmt: skip


def _cost_points(driver: Any) -> int:
    return int(driver.execute_script(
        "return document.querySelectorAll('#cost-chart svg circle.point').length"
    ))  # fmt: skip


def test_runs_page_run_page_and_a_run_written_while_the_pages_are_open(
    browser: Any, dashboard: tuple[str, Path], campaign_dir: Path,
    llm_stub_server: LLMStubServer, artifacts: Path,
) -> None:  # fmt: skip
    from selenium.webdriver.common.by import By

    url, db = dashboard
    browser.get(url)
    first = _wait(lambda: _links(browser, "#runs a.mono"), "the runs list")
    assert len(first) == 1 and first[0].startswith("campaign-")
    _click(browser, "#runs a.mono", "campaign-")
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#cost-chart svg path.series"), "charts")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#cost-chart svg path.series")) == 2
    assert browser.find_elements(By.CSS_SELECTOR, "#decision-chart svg g.decision")
    assert browser.find_elements(By.CSS_SELECTOR, "#parameter-chart svg path.series")
    assert "BANK_A" in browser.find_element(By.ID, "decisions").text

    # a slow run, written by another process while the runs page is open
    browser.get(url)
    _wait(lambda: _links(browser, "#runs a.mono"), "the runs list")
    browser.execute_script("window.notReloaded = true")
    llm_stub_server.default_reply = StubReply(text=policy_text(0.3), delay_seconds=0.4)
    live = base_config(
        name="live-run",
        llm={"type": "openai", "model": "stub", "base_url": llm_stub_server.openai_base_url},
        convergence={"max_iterations": 10, "stability_window": 10},
    )
    (campaign_dir / "live.yaml").write_text(yaml.safe_dump(live), encoding="utf-8")
    writer = subprocess.Popen([*CASHLOOP, "run", "live.yaml", "--db", str(db), "--json"],
                              cwd=campaign_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        _wait(
            lambda: any(t.startswith("live-run") for t in _links(browser, "#runs a.mono")),
            "the new run on the runs page",
        )
        assert browser.execute_script("return window.notReloaded === true")
        _click(browser, "#runs a.mono", "live-run")
        _wait(lambda: _cost_points(browser) >= 2, "the live run's first iterations")
        browser.execute_script("window.notReloaded = true")
        seen = _cost_points(browser)
        _wait(lambda: _cost_points(browser) >= seen + 2, "the chart to grow", timeout=60)
        assert browser.execute_script("return window.notReloaded === true")
        assert "running" in browser.find_element(By.ID, "stats").text
        live_shot = artifacts / "ui-run-page-live.png"
        browser.save_screenshot(str(live_shot))
        print(f"screenshot of the run page while the run is written: {live_shot}")
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        iterations = json.loads(out)["num_iterations"]
        _wait(lambda: "completed" in browser.find_element(By.ID, "stats").text, "completion")
        _wait(lambda: _cost_points(browser) == 2 * iterations, "the last iteration")
        assert browser.execute_script("return window.notReloaded === true")
        assert "stub" in browser.find_element(By.ID, "calls").text
        screenshot = artifacts / "ui-run-page.png"
        browser.save_screenshot(str(screenshot))
        print(f"screenshot of the finished run page: {screenshot}")
        assert screenshot.stat().st_size > 10_000
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()


def test_sweep_page_shows_the_compare_table_and_chart(
    browser: Any, campaign_dir: Path, cli: Callable[..., Any], artifacts: Path
) -> None:
    from selenium.webdriver.common.by import By

    (campaign_dir / "sweep.yaml").write_text(yaml.safe_dump({
        "name": "pair", "base": "base.yaml", "seeds": "1..2",
        "matrix": {"evaluator.scenario": {"exp1": "scenarios/castro_exp1.yaml",
                                          "exp2": "scenarios/castro_exp2.yaml"}},
    }), encoding="utf-8")  # fmt: skip
    db = campaign_dir / "runs.db"
    assert cli("sweep", "sweep.yaml", "--db", str(db), "--parallel", "2").returncode == 0
    server = subprocess.Popen([*CASHLOOP, "ui", "--db", str(db), "--port", "0"],
                              cwd=campaign_dir, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert server.stderr is not None
        url = server.stderr.readline().split()[2]
        browser.get(url)
        assert _wait(lambda: _links(browser, "#sweeps a"), "the sweep") == ["pair"]
        _click(browser, "#sweeps a", "pair")
        _wait(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#bar-chart svg g.bar")) == 2,
              "the sweep chart")  # fmt: skip
        table = browser.find_element(By.ID, "compare").text
        assert "scenario=exp1" in table and "scenario=exp2" in table and "[" in table
        browser.save_screenshot(str(artifacts / "ui-sweep-page.png"))
    finally:
        server.terminate()
        server.wait(timeout=10)
