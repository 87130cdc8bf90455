"""Browser tests drive the system Chromium through Playwright and scan every page with axe."""

import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed; scripts/test installs it."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


class AccessibilityScanner:
    """Scans pages with axe and keeps every serious or critical violation.

    Tests call scan() once a page has settled; every page the browser loaded must have
    been scanned by the end of the test, so a new step cannot slip past the check.
    """

    def __init__(self):
        self.axe = Axe()
        self.problems: list[str] = []
        self.loaded: list[str] = []
        self.scanned: set[str] = set()
        # Any console error: what the Content Security Policy blocked (an inline script or
        # style, a third-party host), a broken chart, a missing file.
        self.console_errors: list[str] = []
        self.scanning = False

    def console(self, message) -> None:
        # axe-core itself adds <style> elements while it checks contrast; the policy
        # rightly blocks them, and that is not the app's doing.
        if self.scanning:
            return
        if message.type == "error":
            self.console_errors.append(
                f"{message.page.url if message.page else ''}: {message.text[:90]}"
            )

    def scan(self, page) -> None:
        page.wait_for_load_state("load")
        self.scanning = True
        try:
            results = self.axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
        finally:
            self.scanning = False
        self.scanned.add(page.url)
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING_IMPACTS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.problems.append(
                    f"{page.url}: {violation['id']} ({violation['impact']}) {targets}"
                )

    def unscanned(self) -> list[str]:
        return sorted(set(self.loaded) - self.scanned)


@pytest.fixture
def axe():
    scanner = AccessibilityScanner()
    yield scanner
    assert scanner.problems == [], "\n".join(scanner.problems)
    assert scanner.unscanned() == [], "pages loaded but never scanned"
    assert scanner.console_errors == []


@pytest.fixture
def page(page, axe):
    page.on("load", lambda loaded: axe.loaded.append(loaded.url))
    page.on("console", axe.console)
    return page
