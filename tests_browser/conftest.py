"""Browser tests: Debian's Chromium driven by Playwright against Biostat served the way `make run`
serves it (`manage.py serve`: Daphne, the WebSocket and the in-process task worker, with the
in-memory channel layer), on a free port, with a migrated SQLite file database, collected static
files and a data directory of its own. A failing test leaves screenshots of every open page in
test-artifacts/."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from messaging.servers import Site
from tests_browser.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    OPEN_PAGES,
    TIMEOUT_MS,
    WIDE,
    new_tab,
    path_name,
)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    # Production-like static files (hashed names from collectstatic, served by WhiteNoise), not the
    # finders the test settings use.
    site = Site(tmp_path_factory.mktemp("browser-site"), env={"BIOSTAT_TESTING": "0", "DEBUG": "0"})
    with ThreadPoolExecutor(2) as pool:
        steps = [
            pool.submit(site.migrate),
            pool.submit(site.manage, "collectstatic", "--no-input", "-v", "0"),
        ]
        for step in steps:
            step.result()
    with site.serve() as running:
        yield running


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def open_page(browser, server):
    """``open_page(viewport)``: a page in a fresh browser context (its own cookies: one person),
    watched for script errors and CSP violations (``page.problems``)."""
    contexts = []

    def open_(viewport=WIDE, session=None):
        context = browser.new_context(viewport=viewport, base_url=server.http_url, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        if session:
            context.add_cookies([{"name": "sessionid", "value": session, "url": server.http_url}])
        contexts.append(context)
        return new_tab(context)

    yield open_
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when == "call":
        ARTIFACTS.mkdir(exist_ok=True)
        saved = []
        open_pages = [page for page in OPEN_PAGES if not page.is_closed()]
        used = [page for page in open_pages if page.active_at >= call.start] or open_pages
        for number, page in enumerate(used):
            path = ARTIFACTS / f"{path_name(item.name)}-{number}.png"
            try:
                page.screenshot(path=path, full_page=True)
            except Exception as error:  # the page may have crashed with the test; report, do not mask
                saved.append(f"{page.url}: no screenshot ({error})")
            else:
                saved.append(f"{page.url}: {path}")
        report.sections.append(("browser screenshots", "\n".join(saved)))
    return report
