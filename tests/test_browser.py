"""The built book as a reader opens it: headless Chromium, from file://, with
the network off.

Marked `book`: `make test-book` builds the book into _build/html and then runs
these tests on that build (`make test-lib` leaves them out). Three pages with
much math are opened in headless Chromium (a fresh profile each, names resolve
nowhere, a dead proxy), and after the scripts have run the dumped DOM must show
every formula typeset by MathJax (`<mjx-container>`, no raw `\\begin{` left),
every resource the page loads must be a file inside the built `_build/html`,
and Chromium's network log must show no request made by the page. Chapter pages
must offer their notebook for download. Skipped when no Chromium is installed
(`.ci/run` installs Debian's `chromium` when it can).
"""

import html.parser
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "chapters/03_lstm/lstm.html",
    "chapters/04_gru/gru.html",
    "appendix/notation.html",
]
NOTEBOOK_PAGES = {"chapters/03_lstm/lstm.html", "chapters/04_gru/gru.html"}


def _chromium():
    for name in (
        os.environ.get("CHROMIUM", ""),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


CHROMIUM = _chromium()
pytestmark = [
    pytest.mark.book,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium not found (install it with `apt-get install "
        "chromium`, or set CHROMIUM=/path/to/it): the built book's pages are "
        "not checked in a browser",
    ),
]


@pytest.fixture(scope="module")
def html_root():
    """The book as `make test-book` (or `make book`) built it: _build/html."""
    root = ROOT / "_build" / "html"
    if not (root / "index.html").exists():
        pytest.fail(
            f"{root} has no built book: run `make test-book` (it builds the "
            "book, then runs these tests)"
        )
    return root


class _Resources(html.parser.HTMLParser):
    """Collect the URLs a page loads (not the links a reader may follow)."""

    LOADING_RELS = {
        "stylesheet",
        "preload",
        "modulepreload",
        "icon",
        "shortcut",
        "manifest",
        "prefetch",
    }

    def __init__(self):
        super().__init__()
        self.urls, self.mjx, self.tags = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "mjx-container":
            self.mjx += 1
        if tag in (
            "script",
            "img",
            "iframe",
            "source",
            "audio",
            "video",
            "embed",
            "track",
        ) and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "object" and attrs.get("data"):
            self.urls.append(attrs["data"])
        rels = set((attrs.get("rel") or "").lower().split())
        if tag == "link" and rels & self.LOADING_RELS and attrs.get("href"):
            self.urls.append(attrs["href"])


def _math_count(source):
    """Formulas Sphinx wrote on the page: each becomes one <mjx-container>."""
    parser = _Resources()
    parser.feed(source)
    return sum(
        1
        for tag, attrs in parser.tags
        if tag in ("span", "div")
        and "math" in (attrs.get("class") or "").split()
    )


def _open_in_chromium(page, tmp_path):
    """Return (dumped DOM, page-made network requests) for one file:// page."""
    profile, netlog = tmp_path / "profile", tmp_path / "net.json"
    cmd = [
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        # The network is off: no name resolves and every proxy is dead.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        f"--log-net-log={netlog}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    log = json.loads(netlog.read_text())
    kinds = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    # Chromium's own background requests have no origin; a page's have the
    # page's (opaque, "null") origin. A job's end event repeats no url.
    starts = [
        ev["params"]
        for ev in log["events"]
        if kinds.get(ev["type"]) == "URL_REQUEST_START_JOB"
        and "url" in ev.get("params", {})
    ]
    page_made = [
        p["url"] for p in starts if p.get("initiator") != "not an origin"
    ]
    return done.stdout, page_made


@pytest.mark.parametrize("name", PAGES)
def test_page_typesets_math_offline(html_root, name, tmp_path):
    page = html_root / name
    source = page.read_text(encoding="utf-8")
    formulas = _math_count(source)
    assert formulas >= 5, (
        f"{name} has only {formulas} formulas: pick a page with math"
    )

    dom, page_made = _open_in_chromium(page, tmp_path)
    parser = _Resources()
    parser.feed(dom)

    # Typeset: one container per formula, and no TeX source left for the
    # reader.
    assert parser.mjx >= formulas, (parser.mjx, formulas)
    assert "\\begin{" not in dom
    # Nothing left the machine, and everything loaded lies inside _build/html.
    assert page_made == [], page_made
    for url in parser.urls:
        parts = urlsplit(url)
        assert parts.scheme in ("", "file"), f"{name} loads {url}"
        if parts.scheme == "file":
            target = Path(unquote(parts.path))
        else:
            target = page.parent / unquote(parts.path)
        target = target.resolve()
        assert target.is_relative_to(html_root.resolve()), (
            f"{name} loads {url}"
        )
        assert target.is_file(), f"{name} loads {url}, which the build lacks"
    assert any("_static/mathjax/" in url for url in parser.urls)

    if name in NOTEBOOK_PAGES:
        # The theme's download menu links the page's own notebook.
        hrefs = [
            unquote(urlsplit(attrs.get("href", "")).path)
            for tag, attrs in parser.tags
            if tag == "a" and "btn-download-" in (attrs.get("class") or "")
        ]
        notebook = Path(name).with_suffix(".ipynb").name
        ipynb = [h for h in hrefs if h.endswith("/" + notebook)]
        assert ipynb, f"{name} has no download button for {notebook}: {hrefs}"
        assert (page.parent / ipynb[0]).is_file(), ipynb[0]
