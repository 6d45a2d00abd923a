"""static/js/live.js in Chromium against a real server: the socket opens with the session
cookie, a message sent through the API raises a toast and the unread badge, and the
compose form's recipient field gets suggestions."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def served(_migrated_site, tmp_path_factory):
    """One server for the module (starting one costs seconds); DEBUG serves the static files
    from the finders, as in development (no collectstatic)."""
    site = _migrated_site.copy(tmp_path_factory.mktemp("browser") / "site", env={"DEBUG": "1"})
    users = site.create_users(["alice", "bob"], sessions=True)
    with site.serve(worker=False) as server:
        yield server, users


@pytest.fixture(scope="module")
def page_of(served):
    from playwright.sync_api import sync_playwright

    server, users = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def open_as(username, path):
            context = browser.new_context()
            context.add_cookies(
                [{"name": "sessionid", "value": users[username]["session"], "url": server.http_url}]
            )
            page = context.new_page()
            page.errors = []
            page.on("pageerror", lambda error: page.errors.append(error))
            with page.expect_websocket() as socket_info:
                page.goto(server.http_url + path)
            socket = socket_info.value
            socket.wait_for_event("framereceived")  # the unread count: the server accepted it
            return page

        yield open_as
        browser.close()


def test_toast_and_badge_update_live(served, page_of):
    from playwright.sync_api import expect

    server, users = served
    page = page_of("bob", "/messages/")
    badge = page.locator("[data-unread-badge]")
    expect(badge).to_be_hidden()
    status, sent = server.post_json(
        "/api/messages/",
        {"recipient": "bob", "body": "<img src=x onerror=alert(1)> ready"},
        token=users["alice"]["token"],
    )
    assert status == 201
    toast = page.locator(".toasts[aria-live=polite] .toast a")
    expect(toast).to_have_text("New message from alice: <img src=x onerror=alert(1)> ready")
    expect(toast).to_have_attribute("href", f"/messages/{sent['id']}/")
    expect(badge).to_have_text("1")
    expect(badge).to_be_visible()
    assert page.locator(".toasts img").count() == 0  # shown as text, never as markup
    # Reading the message elsewhere (the API here, another tab in life) clears the badge.
    server.post_json(f"/api/messages/{sent['id']}/read/", {}, token=users["bob"]["token"])
    expect(badge).to_be_hidden()
    assert page.errors == []


def test_recipient_suggestions(page_of):
    from playwright.sync_api import expect

    page = page_of("bob", "/messages/new/")
    page.locator("input[name=recipient]").press_sequentially("al")
    expect(page.locator("datalist#recipient-suggestions option")).to_have_count(1)
    assert page.locator("datalist#recipient-suggestions option").get_attribute("value") == "alice"
    assert page.errors == []
