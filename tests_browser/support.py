"""What the browser tests share: Chromium's location and flags, viewports, and the checks
that run inside the page (labels, contrast, focus, overflow)."""

import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# `playwright install` cannot download browsers here: Debian's Chromium, headless, with nothing
# that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]
ARTIFACTS = ROOT / "test-artifacts"
DOC_SCREENSHOTS = ROOT / "docs" / "screenshots"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}
PASSWORD = "Corr3ct-Horse-Battery-42"
TIMEOUT_MS = 20_000


def doc_screenshot(target, name, *, top=None):
    """Save a screenshot for docs/user-guide.md when BIOSTAT_DOC_SCREENSHOTS=1 (they are committed,
    so ordinary runs leave them alone). ``target`` is a page or a locator; ``top``, a locator to
    scroll to the top of the page first."""
    if os.environ.get("BIOSTAT_DOC_SCREENSHOTS") == "1":
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        if top is not None:
            top.evaluate("(element) => element.scrollIntoView()")
        target.screenshot(path=DOC_SCREENSHOTS / f"{name}.png")


def watch(page):
    """Collect what must never happen on a page: uncaught script errors and Content-Security-Policy
    violations; and the notification socket's frames, to know when it is connected."""
    page.problems = []
    page.socket_frames = []
    page.active_at = time.time()  # the last request it made, to screenshot the pages a failing test used
    page.on("request", lambda request: setattr(page, "active_at", time.time()))
    page.on("pageerror", lambda error: page.problems.append(f"{page.url}: {error}"))

    def console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            page.problems.append(f"{page.url}: {message.text}")

    page.on("console", console)
    page.on(
        "websocket", lambda socket: socket.on("framereceived", lambda frame: page.socket_frames.append(frame))
    )
    return page


# Every page the tests opened, for the screenshots of a failure (conftest.py).
OPEN_PAGES = []


def new_tab(context):
    """A page of the person ``context`` stands for, watched (see ``watch``)."""
    page = watch(context.new_page())
    OPEN_PAGES.append(page)
    return page


def goto_live(page, path):
    """Open ``path`` and wait until its notification socket is connected: the server greets every
    accepted socket with the unread count."""
    seen = len(page.socket_frames)
    page.goto(path)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while len(page.socket_frames) == seen:
        assert time.monotonic() < deadline, f"the notification socket of {path} never answered"
        page.wait_for_timeout(50)


def read_table(page, heading):
    """The table following the heading ``heading`` as a list of {column header: cell text}."""
    return page.evaluate(
        """(heading) => {
          const title = [...document.querySelectorAll("h2, h3")]
            .find((h) => h.textContent.trim() === heading);
          if (!title) return null;
          let node = title.nextElementSibling;
          while (node && node.tagName !== "TABLE" && !node.querySelector("table")) {
            node = node.nextElementSibling;
          }
          if (!node) return null;
          const table = node.tagName === "TABLE" ? node : node.querySelector("table");
          const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
          return [...table.querySelectorAll("tbody tr")].map((tr) =>
            Object.fromEntries([...tr.children].map((cell, i) => [names[i], cell.textContent.trim()])));
        }""",
        heading,
    )


def horizontal_overflow(page):
    """How far the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


# Form fields (not hidden, not buttons) with no label element, aria-label or aria-labelledby.
UNLABELLED_FIELDS = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter((field) => !["hidden", "submit", "button", "reset", "image"].includes(field.type))
  .filter((field) => field.labels.length === 0 && !field.getAttribute("aria-label")
    && !(field.getAttribute("aria-labelledby") || "").split(/\\s+/)
      .some((id) => id && document.getElementById(id)))
  .map((field) => field.outerHTML.slice(0, 120))"""

_COLOUR_FUNCTIONS = """
  const parse = (text) => {
    const parts = (text.match(/rgba?\\(([^)]*)\\)/) || [])[1];
    if (!parts) return null;
    const [r, g, b, a] = parts.split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r, g, b, a: a === undefined ? 1 : a };
  };
  const luminance = ({ r, g, b }) => {
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  // The colour behind an element: the first opaque background up the tree, blended over white.
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) {
        const over = (channel) => channel * colour.a + 255 * (1 - colour.a);
        return { r: over(colour.r), g: over(colour.g), b: over(colour.b) };
      }
    }
    return { r: 255, g: 255, b: 255 };
  };
"""

# Visible text whose colour contrast against its background is below WCAG AA: 4.5:1, or 3:1 for
# large text (24 px, or 18.66 px bold). Disabled controls are exempt, as WCAG says.
LOW_CONTRAST = (
    "() => {"
    + _COLOUR_FUNCTIONS
    + """
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(element)) continue;
    seen.add(element);
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    const hidden = box.width <= 1 || box.height <= 1 || style.visibility === "hidden";
    if (hidden || element.closest("[hidden], :disabled, option")) continue;
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const contrast = ratio(parse(style.color), background(element));
    if (contrast < (large ? 3 : 4.5)) {
      const text = element.textContent.trim().slice(0, 40);
      found.push(`${element.tagName.toLowerCase()}.${element.className} "${text}": ${contrast.toFixed(2)}`);
    }
  }
  return found;
}"""
)

# The focused element's focus indicator: its outline width and contrast against what surrounds it.
FOCUS_RING = (
    "() => {"
    + _COLOUR_FUNCTIONS
    + """
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const width = style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth);
  const colour = parse(style.outlineColor);
  return { tag: element.tagName.toLowerCase(), name: element.name || element.textContent.trim().slice(0, 30),
           width, contrast: colour ? ratio(colour, background(element.parentElement || element)) : 0 };
}"""
)


def tab_to(page, locator, limit=60):
    """Press Tab until ``locator`` has the focus (if it has not already: autofocus), as a keyboard
    user would; fails past ``limit`` presses."""
    for _ in range(limit):
        if locator.evaluate("(element) => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} never received the focus after {limit} presses of Tab")


def assert_visible_focus(page):
    ring = page.evaluate(FOCUS_RING)
    assert ring["width"] >= 2, f"no visible focus indicator on {ring}"
    assert ring["contrast"] >= 3, f"focus indicator of {ring} has too little contrast"


def path_name(path):
    """A readable test id and file name for a URL path."""
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "dashboard"


# Logs the upload form's progress panel as it changes ("UPLOAD {...}" on the console): the upload
# is over in a blink on a local server, too fast to catch by polling the page.
UPLOAD_OBSERVER = """
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-upload-progress]");
  if (!panel) return;
  const bar = panel.querySelector("progress");
  const status = panel.querySelector("[data-upload-status]");
  new MutationObserver(() => console.log("UPLOAD " + JSON.stringify(
    { hidden: panel.hidden, value: bar.getAttribute("value"), status: status.textContent })))
    .observe(panel, { subtree: true, attributes: true, childList: true, characterData: true });
});
"""


def api(server, method, path, data=None, *, token):
    """Call the REST API as the holder of ``token`` (to set the scene quickly); (status, body)."""
    request = urllib.request.Request(  # noqa: S310 - always the test's own http:// server
        server.http_url + path,
        data=None if data is None else json.dumps(data).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - as above
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
