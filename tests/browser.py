"""A real browser on the course's JupyterLabs: Debian's Chromium driven by Playwright.

Playwright's own browser download is not reachable from the course's machines, so
the tests drive the system's Chromium (``apt-get install chromium``). Without it
they are skipped with the install command, except under CI, where they fail.
Every step's screenshot goes to ``screenshots/<test>/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from course_paths import REPO

CHROMIUM = Path(os.environ.get("RNN_COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
INSTALL = ("install Chromium (Debian/Ubuntu: `apt-get update && apt-get install chromium`) "
           "and the dev dependencies (`make install`, which brings Playwright)")
SCREENSHOTS = REPO / "screenshots"
TOKEN = "rnn-course-browser-test"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}"
    return None


def require_browser() -> None:
    """Skip (fail under CI) with the install command when there is no browser."""
    reason = missing_browser()
    if reason:
        message = f"browser tests need a browser: {reason}; {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run them)")
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float, what: str) -> None:
    """Wait until ``url`` answers; a RuntimeError with the end of ``log`` if ``server``
    stops or ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start:\n{Path(log).read_text()[-3000:]}")
            time.sleep(0.5)


@contextlib.contextmanager
def jupyter_lab(lab, root: Path, config_dir: Path, log: Path, timeout: float = 120):
    """Run ``lab``'s JupyterLab on ``root`` at a free localhost port; yields its base URL."""
    port = free_port()
    lab.write_config(config_dir)
    with open(log, "w") as out:
        server = subprocess.Popen(lab.command(root, port=port, token=TOKEN, open_browser=False),
                                  cwd=root, env=lab.environment(config_dir), stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/api/status?token={TOKEN}", server, log, timeout, "JupyterLab")
        yield url
    finally:
        stop(server, 20)


def stop(server: subprocess.Popen, grace: float) -> None:
    """End ``server``'s process group: SIGTERM, then SIGKILL after ``grace`` seconds."""
    with contextlib.suppress(ProcessLookupError):   # the group may have ended already
        os.killpg(server.pid, 15)
    try:
        server.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
        server.wait()


@contextlib.contextmanager
def chromium_page():
    """A fresh 1280x900 page of a headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


class Screenshots:
    """Numbered screenshots of one test's steps, in ``screenshots/<name>/``.

    ``with shots.step(page, "what a person does"):`` takes the step's screenshot at
    its end, or a ``FAILED`` one when it raises, and names the step in the error.
    """

    def __init__(self, name: str):
        self.folder = SCREENSHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        page.screenshot(path=str(path))
        return path

    @contextlib.contextmanager
    def step(self, page, name: str):
        try:
            yield
        except Exception as error:
            shot = self(page, f"FAILED {name}")
            raise AssertionError(f"browser step {name!r} failed (screenshot {shot}): {error}") from error
        self(page, name)
