"""The course website (``make site``) built from this checkout and read in a real browser.

The module builds the site once into a temporary folder (seconds: nothing is executed),
serves it on localhost and reads it with Chromium with every request off localhost
refused, as on a machine without network: pages, links, images, MathJax, the track tabs,
the folded solutions and the search.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
import time
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import nbformat
import pytest

import browser
from course_paths import REPO, SOLUTIONS
from helpers.course.authoring import site


def _digest(folder: Path) -> str:
    files = sorted(folder.rglob("*.ipynb"))
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The site built from this checkout: (its html folder, seconds the build took)."""
    before = _digest(SOLUTIONS)
    start = time.monotonic()
    index = site.build_site(tmp_path_factory.mktemp("site"))
    seconds = time.monotonic() - start
    assert _digest(SOLUTIONS) == before, "building the site changed solutions/"
    return index.parent, seconds


@pytest.fixture(scope="module")
def served(built):
    """The built site at a localhost URL."""
    handler = functools.partial(_QuietHandler, directory=str(built[0]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def page(served):
    """A Chromium page that may reach only the site: what it asked elsewhere is in page.outside."""
    browser.require_browser()
    with browser.chromium_page() as page:
        page.outside, page.failed = [], []

        def only_localhost(route):
            if urlparse(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                page.outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_localhost)
        page.on("response", lambda r: r.status >= 400 and page.failed.append(f"{r.status} {r.url}"))
        yield page


def test_the_build_takes_seconds_and_makes_one_page_per_chapter(built):
    html, seconds = built
    assert seconds < 60, f"make site took {seconds:.0f} s; it executes nothing, so it should take seconds"
    chapters = sorted(p.stem for p in (html / "chapters").glob("*.html"))
    assert chapters == sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())
    assert (html / "student.html").exists() and (html / "instructor.html").exists()


def test_every_page_loads_with_no_broken_link_or_image(page, served, built):
    seen, queue, anchors, broken, links = set(), [f"{served}/index.html"], {}, [], []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        if response is None or response.status != 200:
            broken.append(f"{url}: {response and response.status}")
            continue
        if not url.endswith(".html"):
            continue
        page.wait_for_load_state("load")
        anchors[url] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        for image in page.eval_on_selector_all(
                "img", "els => els.map(e => [e.src, e.complete && e.naturalWidth > 0])"):
            if not image[1]:
                broken.append(f"image {image[0]} on {url}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target, fragment = urldefrag(urljoin(url, href))
            if urlparse(target).hostname == "127.0.0.1":
                links.append((url, target, fragment))
                queue.append(target)
    for source, target, fragment in links:
        if fragment and target in anchors and fragment not in anchors[target]:
            broken.append(f"{source} links to #{fragment}, which {target} does not have")
    pages = {f"{served}/{p.relative_to(built[0])}" for p in built[0].rglob("*.html")
             if p.name not in ("genindex.html", "search.html") and "_static" not in p.parts}
    assert pages - set(anchors) == set(), "pages no link leads to from the home page"
    assert not broken, "\n".join(broken)
    assert not page.failed, "requests that failed:\n" + "\n".join(page.failed)
    assert not page.outside, "the site asked for files off localhost:\n" + "\n".join(page.outside)


def test_math_is_typeset_offline(page, served):
    page.goto(f"{served}/chapters/02_hidden_state.html")
    page.wait_for_selector("mjx-container", state="attached", timeout=30_000)
    assert page.locator("mjx-container").count() >= 5
    assert not page.outside, f"MathJax came from off localhost: {page.outside}"


def test_a_chapter_tabs_switch_between_the_keras_and_the_pytorch_track(page, served):
    page.goto(f"{served}/chapters/04_stacking.html")
    keras, pytorch = page.get_by_text("the Keras exercises"), page.get_by_text("the PyTorch exercises")
    assert keras.is_visible() and not pytorch.is_visible(), "the Keras track is not the first tab shown"
    page.locator(".sd-tab-set > label", has_text="PyTorch").click()
    assert pytorch.is_visible() and not keras.is_visible(), "the PyTorch tab did not show its track"
    assert page.get_by_text("nn.GRU").first.is_visible()
    page.locator(".sd-tab-set > label", has_text="Keras").click()
    assert keras.is_visible() and not pytorch.is_visible()


def test_a_solution_unfolds_on_click(page, served):
    page.goto(f"{served}/chapters/04_stacking.html")
    answer = page.locator("details.hide:visible").first
    code = answer.get_by_text("def build_stacked_classifier")
    assert not code.is_visible(), "an answer is shown before its 'Show solution' is clicked"
    answer.get_by_text("Show solution").click()
    assert code.is_visible(), "'Show solution' did not unfold the answer"
    written = page.locator("details.sd-dropdown:visible").first
    assert "Show solution" in written.inner_text() and written.get_attribute("open") is None
    written.locator("summary").click()
    assert written.get_attribute("open") is not None


def test_search_finds_return_sequences(page, served):
    page.goto(f"{served}/search.html?q=return_sequences")
    results = page.locator("ul.search li a")
    results.first.wait_for(timeout=30_000)
    found = results.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert any("04_stacking" in href for href in found), f"search for return_sequences found {found}"


# the builder's parts, without Sphinx


def test_an_answer_is_folded_and_nothing_else():
    answer = nbformat.v4.new_code_cell("def f():\n    return 1",
                                       metadata={"nbgrader": {"solution": True, "grade": False}})
    written = nbformat.v4.new_markdown_cell("It forgets.\n```python\nx = 1\n```",
                                            metadata={"nbgrader": {"solution": True, "grade": True}})
    plain = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)")
    assert site.folded(answer).metadata["tags"] == ["hide-input"]
    assert site.folded(written).source.startswith("````{dropdown} Show solution\n")
    assert site.folded(written).source.endswith("\n````")
    assert "tags" not in site.folded(plain).metadata and site.folded(plain).source == "print(1)"
    assert "tags" not in answer.metadata, "folded() changed the cell it was given"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="track must be one of"):
        site.launch_links("01_sequential_data", "jax", "https://github.com/o/r")
    with pytest.raises(ValueError, match="starts with its '# Chapter NN"):
        site.chapter_title(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Intro")]))
    with pytest.raises(ValueError, match="no '## Instructor path' section"):
        site.pages("# T\n\n## Quickstart\n\n## Student path\n| a |\n", ["01"], "https://x")


def test_launch_links_open_the_released_notebook():
    links = site.launch_links("04_stacking", "pytorch", "https://github.com/o/r")
    assert "https://colab.research.google.com/github/o/r/blob/main/chapters/04_stacking/pytorch.ipynb" in links
    assert "https://mybinder.org/v2/gh/o/r/main?labpath=chapters/04_stacking/pytorch.ipynb" in links


def test_readme_sections_ignore_headings_in_code_blocks():
    sections = site.readme_sections("# T\nintro\n## A\n```bash\n## not a heading\n```\n## B\nb")
    assert list(sections) == ["", "A", "B"]
    assert "## not a heading" in sections["A"]
