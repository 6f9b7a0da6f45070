"""Web: block and report from a person's mention, the blocked-people page, the export."""

import json

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory

from apps.accounts.models import User
from apps.safety.models import Block, Report
from tests.factories.safety import BlockFactory

pytestmark = pytest.mark.django_db


def render_controls(user: User, person: object, **options: object) -> str:
    request = RequestFactory().get("/events/7/")
    request.user = user
    extra = " ".join(f"{key}={value}" for key, value in options.items())
    template = Template(
        "{% load safety_tags %}{% block_report_controls person " + extra + " %}"
        "{% report_event_control 7 %}"
    )
    return template.render(Context({"person": person, "request": request, "csrf_token": "tok"}))


def test_the_partial_offers_block_and_report_forms(alice: User, bob: User) -> None:
    html = render_controls(alice, {"id": bob.pk, "display_name": "Bob"})

    assert 'action="/safety/block/"' in html
    assert f'name="user_id" value="{bob.pk}"' in html
    assert 'name="next" value="/events/7/"' in html
    assert "Block Bob" in html
    assert "Report Bob" in html
    assert 'value="harassment"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="event_id" value="7"' in html
    assert "bob@example.com" not in html


def test_the_partial_offers_unblock_for_someone_blocked(alice: User, bob: User) -> None:
    html = render_controls(alice, {"id": bob.pk, "display_name": "Bob"}, is_blocked="True")

    assert 'action="/safety/unblock/"' in html
    assert "Unblock Bob" in html


def test_the_partial_included_directly_links_to_the_report_page(bob: User) -> None:
    html = Template('{% include "safety/_block_report.html" %}').render(
        Context({"person": {"id": bob.pk, "display_name": "Bob"}})
    )

    assert f'href="/safety/report/?user_id={bob.pk}"' in html


def test_block_from_a_page_and_come_back(client: Client, alice: User, bob: User) -> None:
    client.force_login(alice)

    response = client.post("/safety/block/", {"user_id": bob.pk, "next": "/events/7/"})

    assert response.status_code == 302
    assert response["Location"] == "/events/7/"
    assert Block.objects.filter(blocker=alice, blocked=bob).exists()
    page = client.get("/me/blocked/")
    assert b"You blocked Bob." in page.content


def test_block_never_redirects_off_site(client: Client, alice: User, bob: User) -> None:
    client.force_login(alice)

    response = client.post("/safety/block/", {"user_id": bob.pk, "next": "https://evil.example/"})

    assert response["Location"] == "/me/blocked/"


def test_blocking_yourself_shows_a_message(client: Client, alice: User) -> None:
    client.force_login(alice)

    response = client.post("/safety/block/", {"user_id": alice.pk}, follow=True)

    assert b"You cannot block yourself." in response.content
    assert not Block.objects.exists()


def test_the_blocked_people_page_lists_names_only_and_unblocks(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    BlockFactory(blocker=alice, blocked=bob)
    BlockFactory(blocker=carol, blocked=alice)
    client.force_login(alice)

    page = client.get("/me/blocked/")

    assert page.status_code == 200
    assert b"Bob" in page.content
    assert b"Carol" not in page.content  # Carol blocked Alice: that is Carol's business
    assert b"bob@example.com" not in page.content
    response = client.post("/safety/unblock/", {"user_id": bob.pk}, follow=True)
    assert b"Unblocked." in response.content
    assert b"You have not blocked anyone." in response.content
    assert not Block.objects.filter(blocker=alice).exists()


def test_nobody_can_lift_someone_elses_block_on_the_web(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    BlockFactory(blocker=alice, blocked=carol)
    client.force_login(bob)

    response = client.post("/safety/unblock/", {"user_id": carol.pk}, follow=True)

    assert b"You have not blocked this person." in response.content
    assert Block.objects.filter(blocker=alice, blocked=carol).exists()


def test_report_from_a_page(client: Client, alice: User, bob: User) -> None:
    client.force_login(alice)

    response = client.post(
        "/safety/report/",
        {
            "user_id": bob.pk,
            "reason": "unsafe",
            "details": "Kept asking for my address.",
            "next": "/events/7/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/events/7/"
    report = Report.objects.get()
    assert (report.reporter, report.reported_user, report.reason) == (alice, bob, "unsafe")


def test_the_report_page_shows_errors_and_files_nothing(
    client: Client, alice: User, bob: User
) -> None:
    client.force_login(alice)

    form = client.get(f"/safety/report/?user_id={bob.pk}")
    no_reason = client.post("/safety/report/", {"user_id": bob.pk, "reason": ""})
    yourself = client.post("/safety/report/", {"user_id": alice.pk, "reason": "spam"})

    assert form.status_code == 200
    assert f'value="{bob.pk}"'.encode() in form.content
    assert no_reason.status_code == yourself.status_code == 400
    assert b"This field is required" in no_reason.content
    assert b"You cannot report yourself" in yourself.content
    assert not Report.objects.exists()


def test_safety_pages_need_a_login(client: Client, bob: User) -> None:
    for response in (
        client.get("/me/blocked/"),
        client.post("/safety/block/", {"user_id": bob.pk}),
        client.post("/safety/report/", {"user_id": bob.pk, "reason": "spam"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not Block.objects.exists()


def test_forms_need_the_csrf_token(alice: User, bob: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post("/safety/block/", {"user_id": bob.pk})

    assert response.status_code == 403
    assert not Block.objects.exists()


def test_the_data_export_includes_blocks_and_reports(
    client: Client, alice: User, bob: User
) -> None:
    BlockFactory(blocker=alice, blocked=bob)
    client.force_login(alice)
    client.post("/safety/report/", {"user_id": bob.pk, "reason": "spam", "details": "Ads"})

    export = json.loads(client.get("/me/export.json").content)

    safety = export["safety"]
    assert [(p["id"], p["display_name"]) for p in safety["blocked_people"]] == [(bob.pk, "Bob")]
    assert [(r["user_id"], r["reason"], r["details"]) for r in safety["reports_filed"]] == [
        (bob.pk, "spam", "Ads")
    ]
    assert safety["moderation"] == {"suspended_until": None, "banned": False, "decisions": []}
