"""static/js/cohort_builder.js in Chromium against pytest-django's live server: the count and
the attrition table follow the criteria as they are typed, errors show in place with line and
column, and choosing a dataset lists its columns."""

import shutil

import pyarrow as pa
import pytest
from django.test import Client

from accounts.models import User
from datasets import services as dataset_services

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)"),
    # The live server answers from its own thread, so the data must be committed.
    pytest.mark.django_db(transaction=True),
]
ROWS = [{"age": 40 + 2 * i, "sex": "F" if i % 2 == 0 else "M"} for i in range(20)]


@pytest.fixture
def builder(live_server):
    """``(open_builder(path), dataset)``: the builder pages in Chromium, logged in as the
    creator of a 20-row dataset."""
    from playwright.sync_api import sync_playwright

    owner = User.objects.create_user("olivia", password="x")
    dataset = dataset_services.dataset_create(owner, name="Trial", table=pa.Table.from_pylist(ROWS))
    session = Client()
    session.force_login(owner)
    cookie = {"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context()
        context.add_cookies([cookie])
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(error))

        def open_builder(path="/cohorts/new/"):
            page.goto(live_server.url + path)
            return page

        yield open_builder, dataset
        browser.close()


def test_the_count_follows_the_criteria(builder):
    from playwright.sync_api import expect

    open_builder, dataset = builder
    page = open_builder()
    size = page.locator("[data-size]")
    expect(size).to_have_text("Press Count to count the rows the criteria select.")
    page.select_option("select[name=dataset]", str(dataset.pk))
    expect(page.locator("[data-columns-body] code")).to_have_text(["age", "sex"])
    expect(size).to_have_text("20 rows of version 1")
    page.locator("textarea[name=criteria]").press_sequentially('age >= 60 and sex == "F"')
    expect(size).to_have_text("5 rows of version 1")
    steps = page.locator("[data-attrition] tbody tr")
    expect(steps).to_have_count(2)
    expect(steps.nth(0).locator("td")).to_have_text(["1", "age >= 60", "10"])
    expect(steps.nth(1).locator("td")).to_have_text(["2", 'sex == "F"', "5"])
    expect(page.locator("[data-criteria-problem]")).to_be_hidden()
    assert page.errors == []


def test_errors_show_in_place_and_clear_when_fixed(builder):
    from playwright.sync_api import expect

    open_builder, dataset = builder
    page = open_builder(f"/cohorts/new/?dataset={dataset.pk}")
    textarea = page.locator("textarea[name=criteria]")
    problem = page.locator("[data-criteria-problem]")
    textarea.fill("age >= 60 and\n  sexx == 'F'")
    expect(problem.locator("p")).to_have_text("Line 2, column 3: unknown column 'sexx'; did you mean 'sex'?")
    expect(problem.locator("pre")).to_have_text("  sexx == 'F'\n  ^")
    expect(textarea).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-size]")).to_have_text("No count until the criteria are fixed.")
    textarea.fill("age >= 60 and\n  sex == 'F'")
    expect(problem).to_be_hidden()
    expect(page.locator("[data-size]")).to_have_text("5 rows of version 1")
    assert page.errors == []
