"""The admin: map widgets served locally, regions refreshed on demand, venues never deleted."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.venues.models import ImportRun, Region, Venue
from tests.factories.venues import VenueFactory
from tests.venues.conftest import OVERPASS_SAMPLE

pytestmark = pytest.mark.django_db

NO_INLINE_RUNS = {
    "import_runs-TOTAL_FORMS": "0",
    "import_runs-INITIAL_FORMS": "0",
    "import_runs-MIN_NUM_FORMS": "0",
    "import_runs-MAX_NUM_FORMS": "0",
}


@pytest.fixture
def staff_client(client: Client) -> Client:
    admin = User.objects.create_superuser("staff@matchup.example", "a-long-password-1")
    client.force_login(admin)
    return client


def test_region_and_venue_pages_use_local_leaflet_map_widgets(
    staff_client: Client, munich: Region
) -> None:
    venue = VenueFactory(region=munich)

    pages = [
        staff_client.get(reverse("admin:venues_region_change", args=[munich.pk])),
        staff_client.get(reverse("admin:venues_region_add")),
        staff_client.get(reverse("admin:venues_venue_change", args=[venue.pk])),
    ]

    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "/static/leaflet/leaflet" in html
        assert "openlayers" not in html.lower()  # GeoDjango's default widget needs a CDN
        assert "cdn" not in html.lower()


def test_lists_render(staff_client: Client, munich: Region) -> None:
    VenueFactory(region=munich)
    ImportRun.objects.create(region=munich, trigger="command", provider="file", source="x")

    for name in ("venues_region", "venues_venue", "venues_importrun"):
        assert staff_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_refresh_now_queues_a_refresh_after_commit(
    staff_client: Client,
    munich: Region,
    django_capture_on_commit_callbacks: Callable[..., object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from apps.venues import tasks

    queued: list[tuple[int, str]] = []
    monkeypatch.setattr(tasks.refresh_venues_task, "delay", lambda *args: queued.append(args))

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = staff_client.post(
            reverse("admin:venues_region_changelist"),
            {"action": "refresh_now", "_selected_action": [munich.pk]},
        )

    assert response.status_code == 302
    assert queued == [(munich.pk, ImportRun.Trigger.ADMIN)]
    munich.refresh_from_db()
    assert munich.refresh_requested_at is not None


def test_a_file_region_outside_the_import_dirs_is_refused(staff_client: Client) -> None:
    response = staff_client.post(
        reverse("admin:venues_region_add"),
        {
            "name": "Sneaky",
            "slug": "sneaky",
            "area": '{"type": "Polygon", "coordinates": [[[11.3, 48.0], [11.8, 48.0], '
            "[11.8, 48.3], [11.3, 48.3], [11.3, 48.0]]]}",
            "provider": "file",
            "source_path": "/etc/passwd",
            "refresh_interval": "7 00:00:00",
            "is_active": "on",
            **NO_INLINE_RUNS,
        },
    )

    assert response.status_code == 200
    assert "VENUES_IMPORT_DIRS" in response.content.decode()
    assert not Region.objects.filter(slug="sneaky").exists()


def test_a_region_drawn_in_the_admin_can_be_refreshed(staff_client: Client) -> None:
    response = staff_client.post(
        reverse("admin:venues_region_add"),
        {
            "name": "Munich sample",
            "slug": "munich-sample",
            "area": '{"type": "Polygon", "coordinates": [[[11.3, 48.0], [11.8, 48.0], '
            "[11.8, 48.3], [11.3, 48.3], [11.3, 48.0]]]}",
            "provider": "file",
            "source_path": str(OVERPASS_SAMPLE),
            "refresh_interval": "7 00:00:00",
            "is_active": "on",
            **NO_INLINE_RUNS,
        },
    )
    assert response.status_code == 302
    from apps.venues import services

    region = Region.objects.get(slug="munich-sample")
    run = services.region_refresh(region=region, trigger=ImportRun.Trigger.ADMIN)

    assert run.created == 36


def test_venues_cannot_be_deleted_or_added_in_the_admin(
    staff_client: Client, munich: Region
) -> None:
    venue = VenueFactory(region=munich)

    assert (
        staff_client.get(reverse("admin:venues_venue_delete", args=[venue.pk])).status_code == 403
    )
    assert staff_client.get(reverse("admin:venues_venue_add")).status_code == 403
    assert Venue.objects.filter(pk=venue.pk).exists()


def test_typed_opening_hours_must_be_readable(staff_client: Client, munich: Region) -> None:
    venue = VenueFactory(region=munich)
    url = reverse("admin:venues_venue_change", args=[venue.pk])
    form = {
        "name": venue.name,
        "kind": "cafe",
        "is_active": "on",
        "location": '{"type": "Point", "coordinates": [11.5756, 48.1372]}',
        "address": venue.address,
        "timezone": "Europe/Berlin",
        "opening_hours": "Montag bis Freitag",
        "wheelchair": "",
        "outdoor_seating": "unknown",
        "wifi": "unknown",
        "website": "",
        "phone": "",
    }

    refused = staff_client.post(url, form)
    accepted = staff_client.post(url, {**form, "opening_hours": "Mo-Fr 08:00-18:00"})

    assert refused.status_code == 200
    assert "opening_hours syntax" in refused.content.decode()
    assert accepted.status_code == 302
    venue.refresh_from_db()
    assert venue.opening_hours == "Mo-Fr 08:00-18:00"
