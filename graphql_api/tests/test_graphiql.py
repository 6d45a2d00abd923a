"""GraphiQL at /graphql/ for logged-in browsers: served from our static files (no CDN), its
scripts all static files allowed by `script-src 'self'`, and working in Chromium."""

import re
import shutil

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from .conftest import ENDPOINT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def page(db, analyst):
    client = Client()
    client.force_login(analyst)
    return client.get(ENDPOINT, HTTP_ACCEPT="text/html,application/xhtml+xml")


def test_the_page_loads_only_our_static_files(page):
    assert page.status_code == 200
    html = page.content.decode()
    assert "http://" not in html and "https://" not in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert len(scripts) == 4
    for tag in scripts:
        (source,) = re.findall(r'src="/static/([^"]+)"', tag)
        assert finders.find(source), source
    assert re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.DOTALL) == [""] * 4, "no inline script"
    for source in re.findall(r'href="/static/([^"]+)"', html):
        assert finders.find(source), source


def test_the_page_keeps_the_script_policy(page):
    policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["font-src"] == "'self' data:"  # GraphiQL's stylesheet embeds its fonts
    assert policy["connect-src"] == "'self' ws: wss:"


def test_vendored_assets_carry_no_source_map_reference():
    for name in ("graphiql/graphiql.min.js", "graphiql/graphiql.min.css"):
        with open(finders.find(name), encoding="utf-8") as asset:
            assert "sourceMappingURL" not in asset.read()


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
@pytest.mark.django_db(transaction=True)
def test_graphiql_runs_a_query_in_chromium(live_server, analyst):
    from playwright.sync_api import expect, sync_playwright

    session = Client()
    session.force_login(analyst)
    cookie = {"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        context.add_cookies([cookie])
        tab = context.new_page()
        problems, requested = [], []
        tab.on("pageerror", lambda error: problems.append(str(error)))
        tab.on("console", lambda message: message.type == "error" and problems.append(message.text))
        tab.on("request", lambda request: requested.append(request.url))
        tab.goto(live_server.url + ENDPOINT)
        expect(tab.locator(".graphiql-container")).to_be_visible()
        tab.locator(".graphiql-execute-button").click()
        expect(tab.locator(".result-window")).to_contain_text('"username": "andy"')
        browser.close()
    assert problems == []
    assert requested and all(url.startswith(live_server.url) for url in requested)
