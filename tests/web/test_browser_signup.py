"""A person signs up in a real browser, confirms their email from the link in the mail,
completes onboarding and sees their profile."""

import pytest
from playwright.sync_api import Page, expect
from pytest_django import Settings

from apps.accounts.models import User
from tests.factories.accounts import PASSWORD
from tests.support.mail import links_in_latest

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_verify_onboard_and_see_the_profile(
    browser_page: Page, live_server, settings: Settings, tmp_path
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "var" / "mail")
    page = browser_page

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Create your profile").click()
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Display name").fill("Nia")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", name="Tell us about you")).to_be_visible()
    page.get_by_label("Birth year").fill("1993")
    page.get_by_label("Book clubs").check()
    page.get_by_label("Poetry").check()
    page.get_by_text("Board games & puzzles").click()  # open the category
    page.get_by_label("Chess").check()
    page.get_by_label("Where do you live?").fill("Pasing, München")
    page.get_by_label("How far will you travel? (km)").fill("3")
    page.get_by_label("Bookstore").check()
    page.get_by_label("Tuesday evening").check()
    page.get_by_label("Saturday afternoon").check()
    page.get_by_label("Just one other person").check()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Nia")).to_be_visible()
    expect(page.get_by_text("Pasing, Bavaria, DE")).to_be_visible()
    expect(page.get_by_text("not confirmed yet")).to_be_visible()

    link = links_in_latest(settings.EMAIL_FILE_PATH, containing="/accounts/confirm-email/")[0]
    page.goto(link.replace("http://testserver", live_server.url))
    page.get_by_role("button", name="Confirm").click()

    page.goto(live_server.url + "/me/")
    expect(page.get_by_text("Email confirmed.")).to_be_visible()
    expect(page.get_by_text("Chess")).to_be_visible()
    profile = User.objects.get(email="nia@example.com").profile
    assert sorted(i.slug for i in profile.interests.all()) == ["book-clubs", "chess", "poetry"]
    assert profile.group_size == "pair"
