"""After the meetup: events are completed, people who went are asked for feedback a few hours
later (once, and not if they already answered), the web form and pages, the periodic tasks,
and what the data export and account deletion do with feedback and connections."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client as WebClient
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.events import services
from apps.events.models import Connection, Event, Feedback, MeetAgain, NoShowReport, Rsvp
from apps.events.tasks import complete_ended_events_task, schedule_due_reminders_task
from apps.notifications.models import Kind, Message, Notification
from tests.events.followup import at, inbox, luitpold, utc
from tests.factories.accounts import PASSWORD, ProfileFactory
from tests.factories.events import EventFactory, going

pytestmark = pytest.mark.django_db

Client = Callable[[User], APIClient]
START = utc(2027, 5, 5, 17)
END = START + timedelta(hours=2)


@pytest.fixture
def book_swap(alice: User, bob: User, carol: User) -> Event:
    """Alice's book swap at Café Luitpold, Bob going; Carol gave up her seat; Dave waits."""
    with time_machine.travel(START - timedelta(days=2), tick=False):
        event = services.event_create(
            organizer=alice,
            venue=luitpold(),
            title="Book swap",
            starts_at=START,
            ends_at=END,
            capacity=3,
        )
        services.rsvp_join(event=event, user=bob)
        services.rsvp_join(event=event, user=carol)
        services.rsvp_cancel(event=event, user=carol)
        dave = ProfileFactory(display_name="Dave").user
        services.rsvp_join(event=event, user=ProfileFactory().user)
        services.rsvp_join(event=event, user=dave)
    return event


def web_client(user: User) -> WebClient:
    client = WebClient()
    client.force_login(user)
    return client


# --- Completion and the feedback prompt -----------------------------------------------------------
def test_ended_events_are_completed_and_everyone_going_is_asked_a_few_hours_later(
    book_swap: Event, alice: User, bob: User, carol: User
) -> None:
    at(END - timedelta(minutes=1))
    assert Event.objects.get(pk=book_swap.pk).status == Event.Status.SCHEDULED

    at(END + timedelta(minutes=1))
    assert Event.objects.get(pk=book_swap.pk).status == Event.Status.COMPLETED
    at(END + timedelta(hours=3) - timedelta(seconds=1))
    assert inbox(bob, Kind.FEEDBACK_PROMPT) == []
    at(END + timedelta(hours=3))
    at(END + timedelta(hours=4))

    prompted = set(
        Notification.objects.filter(kind=Kind.FEEDBACK_PROMPT).values_list("user_id", flat=True)
    )
    going_ids = set(
        Rsvp.objects.filter(event=book_swap, status="going").values_list("user_id", flat=True)
    )
    assert prompted == going_ids
    assert {alice.pk, bob.pk} <= prompted
    assert carol.pk not in prompted
    notification = Notification.objects.get(user=bob, kind=Kind.FEEDBACK_PROMPT)
    assert notification.title == "How was Book swap?"
    assert notification.url == f"/events/{book_swap.pk}/feedback/"


def test_no_prompt_for_someone_who_already_gave_feedback(
    book_swap: Event, alice: User, bob: User
) -> None:
    at(END + timedelta(minutes=1))
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        services.feedback_submit(event=book_swap, user=bob, attended=True)

    at(END + timedelta(hours=3))

    assert inbox(bob, Kind.FEEDBACK_PROMPT) == []
    assert inbox(alice, Kind.FEEDBACK_PROMPT) == ["How was Book swap?"]


def test_cancelled_events_are_neither_completed_nor_followed_up(
    book_swap: Event, alice: User
) -> None:
    with time_machine.travel(START - timedelta(days=1), tick=False):
        services.event_cancel(event=book_swap, user=alice)

    at(END + timedelta(hours=3))

    assert Event.objects.get(pk=book_swap.pk).status == Event.Status.CANCELLED
    assert not Message.objects.filter(kind=Kind.FEEDBACK_PROMPT).exists()


def test_events_that_ended_long_ago_are_completed_without_prompts(book_swap: Event) -> None:
    at(END + timedelta(days=3))

    assert Event.objects.get(pk=book_swap.pk).status == Event.Status.COMPLETED
    assert not Message.objects.filter(kind=Kind.FEEDBACK_PROMPT).exists()


def test_the_periodic_tasks_are_thin_and_safe_to_repeat(book_swap: Event, bob: User) -> None:
    with time_machine.travel(START - timedelta(hours=24, minutes=5), tick=False):
        written = schedule_due_reminders_task()
        again = schedule_due_reminders_task()
    with time_machine.travel(END + timedelta(minutes=1), tick=False):
        completed = complete_ended_events_task()
        completed_again = complete_ended_events_task()

    assert (written, again) == (3, 0)  # alice, bob and whoever took carol's seat
    assert (completed, completed_again) == (1, 0)
    assert Message.objects.filter(kind=Kind.FEEDBACK_PROMPT).count() == 3
    beat = settings.CELERY_BEAT_SCHEDULE
    assert beat["events-schedule-due-reminders"]["task"] == "events.schedule_due_reminders"
    assert beat["events-complete-ended"]["task"] == "events.complete_ended_events"


# --- Web pages ------------------------------------------------------------------------------------
def test_the_feedback_form_asks_about_the_others_and_records_the_answer(
    book_swap: Event, alice: User, bob: User
) -> None:
    with time_machine.travel(END + timedelta(hours=3), tick=False):
        client = web_client(bob)
        page = client.get(f"/events/{book_swap.pk}/feedback/").content.decode()
        response = client.post(
            f"/events/{book_swap.pk}/feedback/",
            {"attended": "yes", "venue_rating": "5", "meet_again": [str(alice.pk)]},
        )
        after = client.get(f"/events/{book_swap.pk}/feedback/").content.decode()

    assert "Whom would you like to meet again?" in page
    assert "Alice" in page
    assert "Dave" not in page  # waiting, not going
    assert f'value="{bob.pk}"' not in page  # not oneself
    assert response.status_code == 302
    feedback = Feedback.objects.get(user=bob)
    assert (feedback.attended, feedback.venue_rating) == (True, 5)
    assert "Thank you: your feedback" in after
    assert "Alice" in after


def test_the_feedback_form_shows_errors_from_the_rules(book_swap: Event, bob: User) -> None:
    dave = User.objects.get(profile__display_name="Dave")
    Rsvp.objects.filter(user=dave).update(status=Rsvp.Status.GOING)
    with time_machine.travel(END + timedelta(hours=3), tick=False):
        client = web_client(bob)
        response = client.post(
            f"/events/{book_swap.pk}/feedback/",
            {"attended": "no", "no_show": [str(dave.pk)]},
        )

    assert response.status_code == 200
    assert "you cannot say whom you met or who was missing" in response.content.decode()
    assert not Feedback.objects.exists()


def test_people_who_were_not_going_see_a_notice_instead_of_the_form(
    book_swap: Event, carol: User
) -> None:
    with time_machine.travel(END + timedelta(hours=3), tick=False):
        page = web_client(carol).get(f"/events/{book_swap.pk}/feedback/").content.decode()

    assert "Only people who were going" in page
    assert '<form method="post" novalidate>' not in page


def test_my_events_and_the_event_page_lead_to_the_feedback_form(
    book_swap: Event, bob: User
) -> None:
    form_url = f"/events/{book_swap.pk}/feedback/"
    with time_machine.travel(END + timedelta(hours=3), tick=False):
        client = web_client(bob)
        mine = client.get("/events/mine/").content.decode()
        detail = client.get(f"/events/{book_swap.pk}/").content.decode()
        services.feedback_submit(event=book_swap, user=bob, attended=True)
        mine_after = client.get("/events/mine/").content.decode()
        detail_after = client.get(f"/events/{book_swap.pk}/").content.decode()

    assert form_url in mine
    assert "Give feedback" in detail
    assert form_url in detail
    assert "Feedback given" in mine_after
    assert "Thank you for your feedback" in detail_after


def test_the_connections_page_and_the_header_link(alice: User, bob: User) -> None:
    start = timezone.now() - timedelta(days=1)
    event = EventFactory(organizer=alice, starts_at=start, ends_at=start + timedelta(hours=2))
    going(event, bob)
    empty = web_client(alice).get("/connections/").content.decode()
    services.feedback_submit(event=event, user=alice, attended=True, meet_again=[bob.pk])
    services.feedback_submit(event=event, user=bob, attended=True, meet_again=[alice.pk])

    page = web_client(alice).get("/connections/").content.decode()

    assert 'href="/connections/">Connections</a>' in empty
    assert "No connections yet" in empty
    assert "Bob" in page
    assert "bob@example.com" in page
    assert event.venue.name in page


# --- Export and deletion --------------------------------------------------------------------------
def met_and_connected(alice: User, bob: User, carol: User) -> Event:
    start = timezone.now() - timedelta(days=1)
    event = EventFactory(organizer=alice, starts_at=start, ends_at=start + timedelta(hours=2))
    going(event, bob)
    going(event, carol)
    services.feedback_submit(
        event=event,
        user=alice,
        attended=True,
        venue_rating=4,
        meet_again=[bob.pk],
        no_show=[carol.pk],
    )
    services.feedback_submit(event=event, user=bob, attended=True, meet_again=[alice.pk])
    return event


def test_the_data_export_has_the_feedback_given_and_the_connections(
    auth_client: Client, alice: User, bob: User, carol: User
) -> None:
    event = met_and_connected(alice, bob, carol)

    export = auth_client(alice).get("/api/v1/me/export").json()["after_meetups"]
    carols = auth_client(carol).get("/api/v1/me/export").json()["after_meetups"]

    (feedback,) = export["feedback"]
    assert feedback["event_id"] == event.pk
    assert feedback["venue_rating"] == 4
    assert feedback["meet_again"] == [bob.pk]
    assert feedback["no_show"] == [carol.pk]
    (connection,) = export["connections"]
    assert connection["person"] == {"id": bob.pk, "display_name": "Bob"}
    assert connection["met_at"]["event_id"] == event.pk
    assert "contact" not in connection  # Bob's contact is Bob's data
    assert carols["reported_missing_at"] == [
        {"event_id": event.pk, "starts_at": event.starts_at.isoformat()}
    ]
    assert "reporter" not in str(carols)
    assert str(alice.pk) not in str(carols["reported_missing_at"])


def test_deleting_an_account_removes_its_feedback_and_connections_but_not_the_no_show_record(
    auth_client: Client, alice: User, bob: User, carol: User
) -> None:
    event = met_and_connected(alice, bob, carol)

    response = auth_client(alice).delete("/api/v1/me", {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert not Feedback.objects.filter(event=event).exclude(user=bob).exists()
    assert not MeetAgain.objects.filter(user_id=alice.pk).exists()
    assert not MeetAgain.objects.filter(other_id=alice.pk).exists()
    assert not Connection.objects.exists()
    assert auth_client(bob).get("/api/v1/connections").json()["count"] == 0
    # The record that Carol missed the meetup is about Carol: it stays, without its reporter.
    (report,) = NoShowReport.objects.filter(reported=carol)
    assert report.reporter_id is None


def test_staff_see_feedback_and_connections_but_cannot_edit_them(
    alice: User, bob: User, carol: User
) -> None:
    event = met_and_connected(alice, bob, carol)
    staff = WebClient()
    staff.force_login(ProfileFactory(user__is_staff=True, user__is_superuser=True).user)

    feedback = staff.get("/admin/events/feedback/").content.decode()
    connections = staff.get("/admin/events/connection/").content.decode()
    reports = staff.get("/admin/events/noshowreport/").content.decode()
    add = staff.get("/admin/events/feedback/add/")

    assert event.title in feedback
    assert "alice@example.com" in connections
    assert "carol@example.com" in reports
    assert add.status_code == 403
