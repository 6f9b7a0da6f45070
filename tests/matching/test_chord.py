"""A round as a Celery chord on a REAL worker process (real Redis, the test database): the cells
are solved by `matching.solve_cell` tasks, merged and saved by `matching.merge_round`, with the
same proposals as the same round in one process; a redelivered run changes nothing; a failing
cell fails the round at once."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django import Settings

from apps.accounts.models import User
from apps.matching import services, tasks
from apps.matching.engine import match_region
from apps.matching.models import Round, Suggestion
from apps.matching.selectors import round_input, round_window
from apps.matching.slots import round_slots
from apps.venues.models import Region
from tests.celery_worker import RealWorker, real_worker, wait_until  # noqa: F401
from tests.factories.matching import cafe, munich, person

pytestmark = pytest.mark.django_db(transaction=True)

CELL_SIZE = 4
Groups = set[tuple[frozenset[int], int, datetime]]


@pytest.fixture
def city(settings: Settings) -> Region:
    """Sixteen people in a line across Munich (four cells of four), two cafés, pairs and
    groups sharing interests across the cells' borders."""
    settings.MATCHING_MAX_CELL_SIZE = CELL_SIZE
    region = munich()
    cafe(region, at=(48.1372, 11.5600), name="West")
    cafe(region, at=(48.1372, 11.5900), name="East")
    interests = [["board-games", "jazz"], ["chess", "go"], ["poetry", "jazz"], ["chess", "jazz"]]
    for k in range(16):
        person(
            at=(48.1372 + (k % 2) * 0.002, 11.5500 + k * 0.003),
            interests=interests[k % 4],
            group_size=["pair", "any", "group", "any"][k % 4],
        )
    return region


def in_process(region: Region, start: datetime, end: datetime) -> Groups:
    data = round_input(
        region=region,
        window_start=start,
        window_end=end,
        step=timedelta(hours=1),
        length=timedelta(hours=2),
    )
    result = match_region(data.problem)
    slots = round_slots(
        window_start=start, window_end=end, step=timedelta(hours=1), length=timedelta(hours=2)
    )
    return {(frozenset(g.member_ids), g.venue_id, slots[g.slot][0]) for g in result.groups}


def saved() -> Groups:
    return {
        (frozenset(s.members.values_list("user_id", flat=True)), s.venue_id, s.starts_at)
        for s in Suggestion.objects.all()
    }


def test_the_chord_saves_what_the_same_round_in_one_process_would(
    city: Region,
    real_worker: Callable[..., RealWorker],  # noqa: F811
) -> None:
    start, end = round_window(region=city, now=timezone.now())
    expected = in_process(city, start, end)
    worker = real_worker(
        queues=["matching"], concurrency=2, env={"MATCHING_MAX_CELL_SIZE": str(CELL_SIZE)}
    )

    round_id = tasks.run_round_task.delay(
        city.pk, start.isoformat(), end.isoformat(), "command"
    ).get(timeout=60)

    assert wait_until(
        lambda: Round.objects.get(pk=round_id).status != Round.Status.RUNNING, timeout=90
    ), worker.log()
    round_ = Round.objects.get(pk=round_id)
    assert round_.status == Round.Status.DONE, round_.error
    assert round_.mode == Round.Mode.DISTRIBUTED
    assert round_.cells == 4
    assert round_.problem is None
    assert len(expected) >= 4
    assert saved() == expected
    assert round_.groups == len(expected)
    assert "matching.solve_cell" in worker.log()
    assert "matching.merge_round" in worker.log()

    # A redelivered run (or the same window asked for again) finds the round done.
    again = tasks.run_round_task.delay(city.pk, start.isoformat(), end.isoformat(), "command").get(
        timeout=60
    )
    assert again == round_id
    assert saved() == expected
    assert Round.objects.count() == 1


def test_a_failing_cell_fails_the_round_at_once(
    real_worker: Callable[..., RealWorker],  # noqa: F811
) -> None:
    region = munich()
    start, end = round_window(region=region, now=timezone.now())
    round_, _ = services.round_claim(
        region=region,
        window_start=start,
        window_end=end,
        mode=Round.Mode.DISTRIBUTED,
        trigger=Round.Trigger.COMMAND,
    )
    real_worker(queues=["matching"])

    tasks.send_round_chord(round_id=round_.pk, cells=[{"format": 99}, {"format": 99}])

    assert wait_until(
        lambda: Round.objects.get(pk=round_.pk).status == Round.Status.FAILED, timeout=60
    )
    round_.refresh_from_db()
    assert "unknown problem format 99" in round_.error


def test_people_hear_about_proposals_made_by_the_workers(
    city: Region,
    real_worker: Callable[..., RealWorker],  # noqa: F811
) -> None:
    start, end = round_window(region=city, now=timezone.now())
    real_worker(queues=["matching"], env={"MATCHING_MAX_CELL_SIZE": str(CELL_SIZE)})

    round_id = tasks.run_round_task.delay(
        city.pk, start.isoformat(), end.isoformat(), "schedule"
    ).get(timeout=60)

    assert wait_until(
        lambda: Round.objects.get(pk=round_id).status == Round.Status.DONE, timeout=90
    )
    proposed: set[User] = {
        m.user for s in Suggestion.objects.all() for m in s.members.select_related("user")
    }
    assert proposed
    # Told right after the save (the merge task goes on to notify once the proposals commit).
    assert wait_until(lambda: all(user.messages.exists() for user in proposed), timeout=30)
    for user in proposed:
        assert list(user.messages.values_list("kind", flat=True)) == ["new_proposal"]
