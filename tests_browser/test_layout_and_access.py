"""Every main page at 1280 px and at 390 px, in Chromium: no sideways scrolling, a label on every
field, WCAG AA text contrast, no inline script, one h1; the forms reached and used from the keyboard
with a visible focus; errors shown in place with the API's words; the custom error page.

The scene (a dataset shared analyze-only, a cohort, a finished Table 1, a message, a steward) is
set up through the REST API, so these tests do not depend on the journey's."""

import re
import time
from dataclasses import asdict
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests_browser import trial
from tests_browser.support import (
    BROWSER,
    LOW_CONTRAST,
    NARROW,
    UNLABELLED_FIELDS,
    WIDE,
    api,
    assert_visible_focus,
    horizontal_overflow,
    path_name,
    tab_to,
)

pytestmark = BROWSER
VIEWPORTS = {"wide": WIDE, "narrow": NARROW}
TABLE_ONE = {"variables": ["age", "sex", "stage", "bmi"], "group_by": "arm"}

# (who, path): lena owns the data, leo holds view + analyze on it, sam is a data steward.
PAGES = [
    ("anonymous", "/accounts/login/"),
    ("anonymous", "/accounts/signup/"),
    ("lena", "/"),
    ("lena", "/datasets/"),
    ("lena", "/datasets/new/"),
    ("lena", "/datasets/{dataset}/"),
    ("lena", "/datasets/{dataset}/edit/"),
    ("lena", "/datasets/{dataset}/versions/new/"),
    ("lena", "/cohorts/"),
    ("lena", "/cohorts/new/"),
    ("lena", "/cohorts/{cohort}/"),
    ("lena", "/cohorts/{cohort}/edit/"),
    ("lena", "/analyses/"),
    ("lena", "/analyses/new/"),
    ("lena", "/analyses/new/?cohort={cohort}&analysis_type=table_one"),
    ("lena", "/analyses/{analysis}/"),
    ("lena", "/messages/"),
    ("lena", "/messages/sent/"),
    ("lena", "/messages/new/?to=leo&context_type=analysis&context_id={analysis}"),
    ("lena", "/messages/{message}/"),
    ("leo", "/"),
    ("leo", "/datasets/{dataset}/"),
    ("leo", "/analyses/{analysis}/"),
    ("leo", "/messages/"),
    ("sam", "/"),
    ("sam", "/audit/"),
]


@pytest.fixture(scope="module")
def scene(server):
    site = server.site
    users = site.create_users(["lena", "leo", "sam"], sessions=True)
    site.manage(
        "shell",
        "-c",
        "from accounts.models import User; User.objects.filter(username='sam').update(role='steward')",
    )
    token = users["lena"]["token"]

    def call(method, path, data, expected):
        status, body = api(server, method, path, data, token=token)
        assert status == expected, (path, status, body)
        return body

    rows = [asdict(patient) for patient in trial.patients()]
    dataset = call(
        "POST", "/api/datasets/", {"name": "Layout trial", "description": "Two arms.", "data": rows}, 201
    )
    permissions = {"user": "leo", "permissions": ["view", "analyze"]}
    call("PUT", f"/api/datasets/{dataset['id']}/permissions/", permissions, 200)
    cohort = call(
        "POST",
        "/api/cohorts/",
        {"dataset": dataset["id"], "name": "Over 40", "criteria": trial.CRITERIA},
        201,
    )
    analysis = call(
        "POST",
        "/api/analyses/",
        {"cohort": cohort["id"], "analysis_type": "table_one", "parameters": TABLE_ONE},
        202,
    )
    deadline = time.monotonic() + 60
    while call("GET", f"/api/analyses/{analysis['id']}/", None, 200)["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, "the analysis never finished"
        time.sleep(0.2)
    note = {
        "recipient": "leo",
        "body": "Table 1 is ready.",
        "context": {"type": "analysis", "id": analysis["id"]},
    }
    message = call("POST", "/api/messages/", note, 201)
    return SimpleNamespace(
        users=users,
        dataset=dataset["id"],
        cohort=cohort["id"],
        analysis=analysis["id"],
        message=message["id"],
    )


@pytest.fixture(scope="module")
def visitor(scene, open_page):
    """``visitor(who, viewport)``: that person's page at that width, one per pair for the module."""
    pages = {}

    def page_of(who, viewport="wide"):
        if (who, viewport) not in pages:
            session = None if who == "anonymous" else scene.users[who]["session"]
            pages[who, viewport] = open_page(VIEWPORTS[viewport], session=session)
        return pages[who, viewport]

    return page_of


def field(page, label):
    """The form field labelled ``label`` (Django adds a colon, the upload form a required star)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?( \*)?$"))


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize(("who", "path"), PAGES, ids=[f"{who}-{path_name(path)}" for who, path in PAGES])
def test_page_layout_and_accessibility(scene, visitor, who, path, viewport):
    page = visitor(who, viewport)
    response = page.goto(path.format(**vars(scene)))
    assert response.status == 200
    assert horizontal_overflow(page) <= 0, "the page scrolls sideways"
    assert page.evaluate(UNLABELLED_FIELDS) == []
    assert page.evaluate(LOW_CONTRAST) == []
    assert page.locator("script:not([src])").count() == 0
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("main#main")).to_have_count(1)
    assert page.problems == []


def test_the_navigation_fits_a_phone_and_shows_the_unread_badge(scene, visitor):
    page = visitor("leo", "narrow")
    page.goto("/")
    navigation = page.get_by_role("navigation", name="Main")
    for name in ("Datasets", "Cohorts", "Analyses", "Messages", "API docs"):
        link = navigation.get_by_role("link", name=re.compile(rf"^{name}"))
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], name
    expect(navigation.get_by_role("link", name="Audit")).to_have_count(0)  # researchers have none
    expect(navigation.locator("[data-unread-badge]")).to_have_text("1")
    steward = visitor("sam", "narrow")
    steward.goto("/")
    expect(steward.get_by_role("navigation", name="Main").get_by_role("link", name="Audit")).to_be_visible()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(scene, visitor):
    page = visitor("lena")
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, "the focused skip link is off screen"
    assert_visible_focus(page)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


KEYBOARD_FORMS = [
    ("anonymous", "/accounts/login/", ["Username", "Password"]),
    ("lena", "/datasets/new/", ["Name", "Description", "File", "Version note"]),
    ("lena", "/datasets/{dataset}/", ["Label of age", "Unit of age", "Username or group name"]),
    ("lena", "/cohorts/new/", ["Dataset", "Name", "Criteria", "Members"]),
    (
        "lena",
        "/analyses/new/?cohort={cohort}&analysis_type=table_one",
        ["Cohort", "Method", "Variables", "Group by"],
    ),
    ("lena", "/messages/new/", ["To", "Message"]),
]


@pytest.mark.parametrize(
    ("who", "path", "labels"), KEYBOARD_FORMS, ids=[path_name(path) for _, path, _ in KEYBOARD_FORMS]
)
def test_forms_are_reached_from_the_keyboard_with_a_visible_focus(scene, visitor, who, path, labels):
    page = visitor(who)
    page.goto(path.format(**vars(scene)))
    for label in labels:
        tab_to(page, field(page, label))
        assert_visible_focus(page)


def test_typing_from_the_keyboard_alone(scene, visitor):
    page = visitor("lena")
    page.goto("/messages/new/")
    tab_to(page, field(page, "To"))
    page.keyboard.type("leo")
    page.keyboard.press("Tab")
    expect(field(page, "Message")).to_be_focused()
    page.keyboard.type("Sent without touching the mouse.")
    tab_to(page, page.get_by_role("button", name="Send"))
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Message sent to leo.")


def test_an_upload_error_shows_in_place_with_the_apis_words(scene, visitor):
    page = visitor("lena")
    page.goto("/datasets/new/")
    ragged = b"arm,age\nA,61\nB,58,extra\n"
    field(page, "Name").fill("Ragged")
    field(page, "File").set_input_files({"name": "ragged.csv", "mimeType": "text/csv", "buffer": ragged})
    page.get_by_role("button", name="Upload", exact=True).click()
    error = page.locator('[data-errors-for="file"] li')
    expect(error).to_have_count(1)
    assert page.url.endswith("/datasets/new/")  # shown in place, the form still filled in
    expect(field(page, "Name")).to_have_value("Ragged")

    csrf = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    answer = page.request.post(
        "/api/datasets/",
        multipart={
            "name": "Ragged",
            "file": {"name": "ragged.csv", "mimeType": "text/csv", "buffer": ragged},
        },
        headers={"X-CSRFToken": csrf},
    )
    assert answer.status == 400
    expect(error).to_have_text(answer.json()["detail"])


def test_pages_work_without_javascript(scene, server, browser):
    context = browser.new_context(java_script_enabled=False, base_url=server.http_url)
    try:
        context.add_cookies(
            [{"name": "sessionid", "value": scene.users["lena"]["session"], "url": server.http_url}]
        )
        page = context.new_page()
        page.goto("/")
        expect(page.locator("#panel-analyses")).to_contain_text("Table 1 (characteristics by group)")
        page.goto("/datasets/new/")
        field(page, "Name").fill("Posted without script")
        field(page, "File").set_input_files(
            {"name": "tiny.csv", "mimeType": "text/csv", "buffer": b"x\n1\n2\n"}
        )
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page).to_have_url(re.compile(r"/datasets/\d+/$"))
        expect(page.locator(".flash")).to_contain_text("created: 2 rows, 1 columns.")
    finally:
        context.close()


def test_a_missing_page_is_the_friendly_404(scene, visitor):
    page = visitor("leo")
    response = page.goto("/datasets/999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Traceback")
