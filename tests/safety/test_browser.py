"""In a real browser: our pages, the admin's moderation queue and Swagger UI work under the
Content Security Policy (no violations), and a moderator suspends a reported person."""

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from apps.accounts.models import User
from apps.safety.models import AccountStatus, ModerationAction, Report
from tests.factories.accounts import PASSWORD, ProfileFactory, UserFactory
from tests.factories.safety import ReportFactory

pytestmark = pytest.mark.django_db(transaction=True)


def watch_for_violations(page: Page) -> list[str]:
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_pages_admin_and_api_docs_work_under_the_policy(browser_page: Page, live_server) -> None:
    page = browser_page
    problems = watch_for_violations(page)
    ProfileFactory(display_name="Alice", user__email="alice@example.com")
    UserFactory(email="mod@example.com", is_staff=True, is_superuser=True)
    report = ReportFactory(
        reported_user=ProfileFactory(display_name="Bob", user__email="bob@example.com").user,
        details="Shouted at me.",
    )

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(live_server.url + "/me/edit/")
    expect(page.get_by_role("button", name="Use my location")).to_be_attached()
    page.goto(live_server.url + "/me/")
    page.get_by_role("link", name="People you blocked").click()
    expect(page.get_by_text("You have not blocked anyone.")).to_be_visible()

    page.goto(live_server.url + "/api/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/blocks").first).to_be_visible()

    page.context.clear_cookies()
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Email").fill("mod@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/admin/safety/report/")
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.get_by_role("combobox", name="Action").select_option("suspend_7_days")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Note for the audit log").fill("Shouting, first time")
    page.get_by_role("button", name="Suspend for 7 days").click()
    expect(page.get_by_text("Suspend for 7 days: 1 report(s) done.")).to_be_visible()

    assert problems == []
    report.refresh_from_db()
    assert report.status == Report.Status.ACTIONED
    bob = User.objects.get(email="bob@example.com")
    assert AccountStatus.objects.get(user=bob).suspended_until is not None
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.note, entry.moderator.email) == (
        "suspend",
        "Shouting, first time",
        "mod@example.com",
    )
