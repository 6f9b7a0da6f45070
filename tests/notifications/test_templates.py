"""Every kind has words for every channel, and text parts are never HTML-escaped."""

import pytest

from apps.accounts.models import User
from apps.notifications.models import Kind
from apps.notifications.rendering import render_email, render_in_app, render_push

pytestmark = pytest.mark.django_db

SAMPLE = {
    "venue_name": "Bar <Centrale> & Co",
    "event_title": "Chess & chat",
    "address": "Hans-Sachs-Str. 4",
    "starts_at_local": "Saturday 15 March, 18:00",
    "respond_by_local": "Thursday 13 March, 20:00",
    "others_count": 3,
    "hours_before": 2,
    "changes": ["The start moved to 18:00."],
    "reason": "The venue closed.",
    "other_name": "Bob",
    "until_local": "14 April",
    "headline": "Your report was reviewed",
    "text": "Thank you for telling us.",
}


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_renders_for_every_channel(kind: str, alice: User) -> None:
    in_app = render_in_app(kind=kind, user=alice, context=SAMPLE, url="/x/")
    push = render_push(kind=kind, user=alice, context=SAMPLE, url="/x/")
    email = render_email(kind=kind, user=alice, context=SAMPLE, url="/x/")

    assert in_app.title
    assert in_app.body
    assert push.title
    assert push.body
    assert email.subject
    assert "\n" not in email.subject
    assert "http://127.0.0.1:8000/x/" in email.text
    assert (
        "&amp;"
        not in in_app.title + in_app.body + push.title + push.body + email.subject + email.text
    )
    assert "<Centrale>" not in email.html


def test_the_reminder_says_when_in_local_words(alice: User) -> None:
    two_hours = render_in_app(kind=Kind.REMINDER, user=alice, context=SAMPLE, url="")
    day_before = render_in_app(
        kind=Kind.REMINDER, user=alice, context={**SAMPLE, "hours_before": 24}, url=""
    )

    assert two_hours.title == "In 2 hours: Chess & chat"
    assert day_before.title == "Tomorrow: Chess & chat"
    assert "Saturday 15 March, 18:00" in two_hours.body
