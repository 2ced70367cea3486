"""Headless Chromium (Debian's package, /usr/bin/chromium) driven by Playwright.

The journeys (test_journey_*.py) drive the portal as its people do, each person in a browser of
their own, against the live server. Handoffs between regions are delivered in-process when no
broker is configured (settings: CELERY_TASK_ALWAYS_EAGER), and by a real Celery worker started
for the module when CELERY_BROKER_URL is (the PostgreSQL + Redis CI run): the journeys then wait
for each delivery by polling, never by sleeping.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
import redis
from django.conf import settings

from cases import roles
from cases.models import InboxEntry
from catalogue.models import MaterialRequirement
from tests.cases.conftest import (  # noqa: F401 (fixtures, re-exported for pytest)
    handling_officer,
    leg_officer,
    office,
    offices,
    receiving_officer,
    staff,
    window_clerk,
)
from tests.cases.workers import Worker, wait_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
# The applicant's browser in the journeys: a desktop and a small phone; staff work on desktops.
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}
PASSWORD = "pw-for-tests-1"  # tests.conftest.make_user's
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HANDOFF_TIMEOUT = 60  # seconds a journey waits for the worker to deliver one message


@pytest.fixture
def reference_data(reference_committed):
    """A live server sees committed data only."""


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django's ORM calls made
    # by the tests (not by the live server's own thread) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# --- Journeys -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def handoff_worker(django_db_setup, tmp_path_factory):
    """A real Celery worker on the configured broker for the module's journeys; None without a broker.

    Without CELERY_BROKER_URL, tasks run in-process in the live server's thread (settings).
    """
    url = os.environ.get("CELERY_BROKER_URL")
    if not url:
        yield None
        return
    # Nothing left over from another run.
    redis.Redis.from_url(url).delete(settings.HANDOFF_QUEUE, settings.CELERY_TASK_DEFAULT_QUEUE)
    worker = Worker(url, tmp_path_factory.mktemp("worker") / "worker.log").start()
    yield worker
    worker.stop()


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    """Uploaded files land in the test's own folder (the live server runs in this process)."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def journey_offices(offices):  # noqa: F811 (the fixture imported above)
    """The case tests' offices, and a second cooperating department (四川 成都) for joint cases."""
    return {
        **offices,
        "dept_d": office(
            "sc-jinjiang-hrss", "成都市锦江区人力资源和社会保障局", "department", "510104", "MOHRSS"
        ),
    }


@pytest.fixture
def second_leg_officer(journey_offices):
    return staff("officer_d", journey_offices["dept_d"], roles.HANDLING_OFFICER)


class Screens:
    """Screenshots of one journey run: var/screenshots/journeys/<journey>-<viewport>/<NN>-<what>.png."""

    def __init__(self, journey: str, viewport: str):
        self.folder = SCREENSHOTS / "journeys" / f"{journey}-{viewport}"
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page, what: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{what}.png"), full_page=True)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.journey_failed = report.failed
    return report


@pytest.fixture
def open_browser(browser, request):
    """A person's own browser (cookies, login): `open_browser(viewport)` gives a page in a fresh context.

    If the test fails, each person's page as it was is saved beside the journey's screenshots
    (var/screenshots/journeys/failed/), so the step that failed can be seen.
    """
    contexts = []
    failed = SCREENSHOTS / "journeys" / "failed"
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for old in failed.glob(f"{name}-*.png"):
        old.unlink()  # from an earlier run

    def open_one(viewport: str = "desktop"):
        size = VIEWPORTS[viewport]
        phone = viewport == "phone"
        context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=phone, has_touch=phone)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_one
    if getattr(request.node, "journey_failed", False):
        failed.mkdir(parents=True, exist_ok=True)
        for n, context in enumerate(contexts, start=1):
            for page in context.pages:
                page.screenshot(path=str(failed / f"{name}-person{n}.png"), full_page=True)
    for context in contexts:
        context.close()


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/login/")
    field(page, "用户名").fill(username)
    field(page, "密码").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def handed_over(number: str, kind: str, office, worker=None, count: int = 1) -> None:
    """Wait until `count` messages `kind` about the case reached `office`'s inbox (the worker delivers them).

    In-process (no broker) they were delivered before the request that sent them answered.
    """
    arrived = InboxEntry.objects.filter(case__number=number, message__kind=kind, office=office)
    wait_for(
        lambda: arrived.count() >= count,
        HANDOFF_TIMEOUT,
        f"{count} “{kind}” of {number} to reach {office.name}",
        log=worker.log_path if worker else None,
    )


def focus_is_visible(page) -> bool:
    """The focused element shows it: a computed outline or box-shadow that is not none."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const style = getComputedStyle(el);
            const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
            return outline || style.boxShadow !== "none";
        }"""
    )


def field(page, label: str):
    """The input labelled `label`, with or without the required mark (“ *（必填）”) after it."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*.*)?$"))


def required_materials(item_code: str) -> list[MaterialRequirement]:
    """The materials the item's guide requires at filing (one upload slot each on the apply form)."""
    return list(
        MaterialRequirement.objects.filter(item__code=item_code, required=True).order_by("position", "id")
    )


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def attach_required_materials(page, item_code: str) -> list[str]:
    """Choose a PDF for every material the item requires (none chosen when it requires none)."""
    names = [requirement.name for requirement in required_materials(item_code)]
    for name in names:
        field(page, name).set_input_files(pdf(f"{name}.pdf"))
    return names


def open_action(page, label: str):
    """Open the case page's form of the action named `label` (one that asks for input) and return it."""
    form = page.locator("details.action").filter(
        has=page.locator("summary", has_text=re.compile(rf"^\s*{re.escape(label)}"))
    )
    form.locator("summary").click()
    return form
