"""The moderation queue in the admin: open reports first, actions through the services (so
they are logged), a read-only audit log."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.safety import selectors, services
from apps.safety.models import AccountStatus, ModerationAction, Report
from tests.factories.safety import ReportFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/safety/report/"


@pytest.fixture
def staff(client: Client, moderator: User) -> Client:
    client.force_login(moderator)
    return client


def act(client: Client, action: str, reports: list[Report], note: str = "") -> object:
    data = {"action": action, ACTION_CHECKBOX_NAME: [r.pk for r in reports]}
    confirm = client.post(QUEUE, data)
    assert confirm.status_code == 200  # the intermediate page asks for a note
    assert b"Note for the audit log" in confirm.content
    return client.post(QUEUE, {**data, "apply": "yes", "note": note}, follow=True)


def test_the_queue_lists_open_reports_first(staff: Client, moderator: User) -> None:
    old_open = ReportFactory(details="old open")
    closed = ReportFactory(details="closed newest")
    services.report_dismiss(report=closed, moderator=moderator)
    new_open = ReportFactory(details="new open")

    page = staff.get(QUEUE)

    assert page.status_code == 200
    order = [r.pk for r in page.context["cl"].result_list]
    assert order == [new_open.pk, old_open.pk, closed.pk]


def test_the_queue_filters_by_status(staff: Client, moderator: User) -> None:
    ReportFactory()
    services.report_dismiss(report=ReportFactory(), moderator=moderator)

    page = staff.get(QUEUE + "?status__exact=dismissed")

    assert [r.status for r in page.context["cl"].result_list] == ["dismissed"]


@pytest.mark.parametrize(("action", "days"), [("suspend_7_days", 7), ("suspend_30_days", 30)])
def test_suspending_from_the_queue_is_logged(
    staff: Client, moderator: User, action: str, days: int
) -> None:
    report = ReportFactory()

    response = act(staff, action, [report], note="Threatening messages")

    assert b"1 report(s) done" in response.content
    person = report.reported_user
    until = AccountStatus.objects.get(user=person).suspended_until
    assert (
        timedelta(days=days) - timedelta(minutes=1) < until - timezone.now() <= timedelta(days=days)
    )
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.moderator, entry.target_user, entry.report, entry.note) == (
        "suspend",
        moderator,
        person,
        report,
        "Threatening messages",
    )
    report.refresh_from_db()
    assert report.status == "actioned"


def test_banning_and_dismissing_from_the_queue(staff: Client, moderator: User) -> None:
    bad, harmless = ReportFactory(), ReportFactory()

    act(staff, "ban", [bad], note="Scam")
    act(staff, "dismiss", [harmless])

    bad.reported_user.refresh_from_db()
    assert bad.reported_user.is_active is False
    assert selectors.user_is_restricted(bad.reported_user)
    assert not selectors.user_is_restricted(harmless.reported_user)
    assert list(ModerationAction.objects.order_by("pk").values_list("action", "report")) == [
        ("ban", bad.pk),
        ("dismiss", harmless.pk),
    ]


def test_an_action_that_cannot_apply_says_why(staff: Client, moderator: User) -> None:
    report = ReportFactory()
    services.user_warn(user=report.reported_user, moderator=moderator, report=report)

    response = act(staff, "dismiss", [report])

    assert b"already acted on" in response.content
    assert ModerationAction.objects.count() == 1


def test_the_audit_log_is_read_only(staff: Client, moderator: User, bob: User) -> None:
    entry = services.user_warn(user=bob, moderator=moderator, note="Be kind")

    listing = staff.get("/admin/safety/moderationaction/")
    detail = staff.get(f"/admin/safety/moderationaction/{entry.pk}/change/")
    add = staff.get("/admin/safety/moderationaction/add/")
    delete = staff.post(f"/admin/safety/moderationaction/{entry.pk}/delete/", {"post": "yes"})
    edit = staff.post(f"/admin/safety/moderationaction/{entry.pk}/change/", {"note": "Changed"})

    assert listing.status_code == 200
    assert b"Be kind" in listing.content
    assert detail.status_code == 200
    assert add.status_code == 403
    assert delete.status_code == 403
    assert edit.status_code == 403
    assert ModerationAction.objects.get().note == "Be kind"


def test_lifting_a_suspension_from_the_admin(staff: Client, moderator: User, bob: User) -> None:
    services.user_suspend(user=bob, until=timezone.now() + timedelta(days=7), moderator=moderator)

    staff.post(
        "/admin/safety/accountstatus/",
        {"action": "lift", ACTION_CHECKBOX_NAME: [bob.pk]},
    )

    assert not selectors.user_is_restricted(bob)
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "suspend",
        "unsuspend",
    ]


def test_people_who_are_not_staff_cannot_open_the_queue(client: Client, alice: User) -> None:
    ReportFactory()
    client.force_login(alice)

    response = client.get(QUEUE)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
