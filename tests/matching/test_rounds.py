"""Rounds in this process: proposals saved once with what the engine did, people told once,
re-runs and redeliveries changing nothing, and saving re-checking who may still take part."""

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from apps.accounts.models import Interest, User
from apps.matching import services, tasks
from apps.matching.engine import match_region
from apps.matching.models import Round, Suggestion, SuggestionMember
from apps.matching.payloads import problem_from_json, problem_pack, problem_to_json, problem_unpack
from apps.matching.selectors import round_input, round_window
from apps.notifications.models import Kind, Message
from apps.safety.models import AccountStatus, Block
from apps.venues.models import Region, Venue
from tests.factories.matching import HAIDHAUSEN, MAXVORSTADT, person
from tests.factories.venues import RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_pairs(region: Region, venue: Venue) -> list[User]:
    """Four people who each want one other person: two pairs, each sharing an interest."""
    return [
        person(interests=["board-games", "jazz"], group_size="pair"),
        person(at=MAXVORSTADT, interests=["board-games", "jazz"], group_size="pair"),
        person(at=HAIDHAUSEN, interests=["chess", "poetry"], group_size="pair"),
        person(interests=["chess", "poetry"], group_size="pair"),
    ]


def proposals() -> list[tuple[frozenset[int], int, Any]]:
    return sorted(
        (
            frozenset(s.members.values_list("user_id", flat=True)),
            s.venue_id,
            s.starts_at,
        )
        for s in Suggestion.objects.all()
    )


def test_a_round_proposes_meetups_and_records_what_it_did(
    clock: time_machine.Traveller, region: Region, venue: Venue, two_pairs: list[User]
) -> None:
    round_ = services.round_execute(region=region)

    assert round_.status == Round.Status.DONE
    assert (round_.participants, round_.matched, round_.groups) == (4, 4, 2)
    assert round_.mode == Round.Mode.IN_PROCESS
    assert round_.mean_shared_interests == 2.0
    assert 0 < round_.mean_trip_km <= round_.max_trip_km < 5
    assert round_.cells == 1
    assert round_.venues == 1
    assert round_.slots == 7 * 24 - 1
    assert round_.engine_seconds > 0
    assert round_.finished_at is not None
    assert round_.problem is None  # homes are not kept once saved
    alice, bob, carol, dan = two_pairs
    groups = {members for members, _, _ in proposals()}
    assert groups == {frozenset({alice.pk, bob.pk}), frozenset({carol.pk, dan.pk})}
    now = timezone.now()
    for suggestion in Suggestion.objects.all():
        assert suggestion.status == "pending"
        assert suggestion.size == 2
        assert suggestion.venue_id == venue.pk
        # Inside everyone's evening (18-22 in Munich, UTC+1) and the window.
        assert suggestion.starts_at >= round_.window_start
        assert 17 <= suggestion.starts_at.hour <= 19
        assert suggestion.ends_at - suggestion.starts_at == timedelta(hours=2)
        assert suggestion.respond_by == min(
            now + timedelta(hours=24), suggestion.starts_at - timedelta(hours=2)
        )
        assert suggestion.why in (
            "You both like Board games and Jazz",
            "You both like Jazz and Board games",
            "You both like Chess and Poetry",
            "You both like Poetry and Chess",
        )
    member = SuggestionMember.objects.get(user=alice)
    shared = set(
        Interest.objects.filter(slug__in=["board-games", "jazz"]).values_list("pk", flat=True)
    )
    assert set(member.shared_interest_ids) == shared
    assert member.response == "pending"
    assert member.notified_at is not None


def test_everyone_proposed_is_told_once(
    clock: time_machine.Traveller, region: Region, venue: Venue, two_pairs: list[User]
) -> None:
    round_ = services.round_execute(region=region)
    services.round_notify(round_=round_)

    for user in two_pairs:
        messages = Message.objects.filter(user=user)
        assert [m.kind for m in messages] == [Kind.NEW_PROPOSAL]
        suggestion = Suggestion.objects.get(members__user=user)
        assert messages[0].idempotency_key == f"matching:proposal:{suggestion.pk}:{user.pk}"
        assert messages[0].context["venue_name"] == venue.name
        assert messages[0].context["others_count"] == 1
        assert messages[0].url == f"/suggestions/#suggestion-{suggestion.pk}"


def test_running_a_round_again_changes_nothing(
    clock: time_machine.Traveller, region: Region, venue: Venue, two_pairs: list[User]
) -> None:
    first = services.round_execute(region=region)
    before = proposals()

    again = services.round_execute(region=region)

    assert again.pk == first.pk
    assert proposals() == before
    assert Suggestion.objects.count() == 2
    assert Message.objects.count() == 4


def test_a_redelivered_save_saves_nothing_twice(
    clock: time_machine.Traveller, region: Region, venue: Venue, two_pairs: list[User]
) -> None:
    start, end = round_window(region=region, now=timezone.now())
    round_, claimed = services.round_claim(
        region=region,
        window_start=start,
        window_end=end,
        mode=Round.Mode.DISTRIBUTED,
        trigger=Round.Trigger.SCHEDULE,
    )
    data = round_input(
        region=region,
        window_start=start,
        window_end=end,
        step=round_.slot_step,
        length=round_.slot_length,
    )
    result = match_region(data.problem)

    for _ in range(2):
        services.round_save_result(
            round_id=round_.pk, problem=data.problem, result=result, timings={}, venues=1
        )

    assert claimed
    assert Suggestion.objects.count() == 2
    assert SuggestionMember.objects.count() == 4


def test_a_second_round_leaves_out_people_who_hold_a_proposal(
    clock: time_machine.Traveller, region: Region, venue: Venue, two_pairs: list[User]
) -> None:
    services.round_execute(region=region)
    clock.shift(timedelta(hours=2))

    later = services.round_execute(region=region)

    assert later.participants == 0
    assert later.groups == 0
    assert Suggestion.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        "suspended",
        "blocked",
        "paused",
        "deleted",
    ],
)
def test_people_no_longer_eligible_when_the_result_is_saved_are_left_out(
    clock: time_machine.Traveller,
    region: Region,
    venue: Venue,
    two_pairs: list[User],
    change: str,
) -> None:
    alice, bob, carol, dan = two_pairs
    start, end = round_window(region=region, now=timezone.now())
    round_, _ = services.round_claim(
        region=region,
        window_start=start,
        window_end=end,
        mode=Round.Mode.IN_PROCESS,
        trigger=Round.Trigger.COMMAND,
    )
    data = round_input(
        region=region,
        window_start=start,
        window_end=end,
        step=round_.slot_step,
        length=round_.slot_length,
    )
    result = match_region(data.problem)
    # While the engine ran:
    if change == "suspended":
        AccountStatus.objects.create(user=bob, suspended_until=timezone.now() + timedelta(days=2))
    elif change == "blocked":
        Block.objects.create(blocker=bob, blocked=alice)
    elif change == "paused":
        bob.profile.matching_paused_until = timezone.now() + timedelta(days=7)
        bob.profile.save()
    else:
        bob.delete()

    saved = services.round_save_result(
        round_id=round_.pk, problem=data.problem, result=result, timings={}, venues=1
    )

    assert {members for members, _, _ in proposals()} == {frozenset({carol.pk, dan.pk})}
    assert saved.dropped_at_save == 1
    assert (saved.groups, saved.matched) == (1, 2)


def test_a_round_running_elsewhere_is_left_alone_until_its_lease_runs_out(
    clock: time_machine.Traveller, region: Region
) -> None:
    start, end = round_window(region=region, now=timezone.now())

    def claim() -> tuple[Round, bool]:
        return services.round_claim(
            region=region,
            window_start=start,
            window_end=end,
            mode=Round.Mode.DISTRIBUTED,
            trigger=Round.Trigger.SCHEDULE,
        )

    first, claimed = claim()
    _, again = claim()
    clock.shift(timedelta(minutes=61))
    taken_over, after_lease = claim()

    assert claimed
    assert not again
    assert after_lease
    assert taken_over.pk == first.pk
    assert Round.objects.count() == 1


def test_a_failed_round_can_run_again_and_a_done_one_cannot(
    clock: time_machine.Traveller, region: Region, venue: Venue, two_pairs: list[User]
) -> None:
    start, end = round_window(region=region, now=timezone.now())
    round_, _ = services.round_claim(
        region=region,
        window_start=start,
        window_end=end,
        mode=Round.Mode.IN_PROCESS,
        trigger=Round.Trigger.COMMAND,
    )
    services.round_fail(round_id=round_.pk, error="RuntimeError: the worker died")

    retried = services.round_execute(region=region)

    assert retried.pk == round_.pk
    assert retried.status == Round.Status.DONE
    assert retried.error == ""
    assert retried.groups == 2


def test_a_round_that_fails_is_recorded_as_failed(
    clock: time_machine.Traveller,
    region: Region,
    venue: Venue,
    two_pairs: list[User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr("apps.matching.services.rounds.match_region", broken)

    with pytest.raises(RuntimeError):
        services.round_execute(region=region)

    round_ = Round.objects.get()
    assert round_.status == Round.Status.FAILED
    assert round_.error == "RuntimeError: engine exploded"
    assert Suggestion.objects.count() == 0


def test_the_scan_fails_rounds_whose_run_died(
    clock: time_machine.Traveller, region: Region
) -> None:
    start, end = round_window(region=region, now=timezone.now())
    round_, _ = services.round_claim(
        region=region,
        window_start=start,
        window_end=end,
        mode=Round.Mode.DISTRIBUTED,
        trigger=Round.Trigger.SCHEDULE,
    )
    Round.objects.filter(pk=round_.pk).update(problem=b"homes")
    assert services.rounds_fail_stale() == 0

    clock.shift(timedelta(minutes=61))

    assert services.rounds_fail_stale() == 1
    round_.refresh_from_db()
    assert round_.status == Round.Status.FAILED
    assert round_.problem is None


def test_the_problem_travels_as_json_unchanged(
    clock: time_machine.Traveller, region: Region, venue: Venue, two_pairs: list[User]
) -> None:
    alice, _, carol, _ = two_pairs
    Block.objects.create(blocker=alice, blocked=carol)
    start, end = round_window(region=region, now=timezone.now())
    problem = round_input(
        region=region,
        window_start=start,
        window_end=end,
        step=timedelta(hours=1),
        length=timedelta(hours=2),
    ).problem

    assert problem_from_json(problem_to_json(problem)) == problem
    assert problem_unpack(problem_pack(problem)) == problem


def test_beat_asks_for_one_round_per_active_region(
    clock: time_machine.Traveller,
    region: Region,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    RegionFactory(is_active=False)
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.run_round_task, "delay", lambda *args: sent.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.schedule_rounds_task() == 1

    start, end = round_window(region=region, now=timezone.now())
    assert sent == [(region.pk, start.isoformat(), end.isoformat(), "schedule")]


def test_run_matching_in_process_prints_what_the_round_did(
    clock: time_machine.Traveller, region: Region, venue: Venue, two_pairs: list[User]
) -> None:
    out = StringIO()

    call_command("run_matching", "--region", "munich", "--in-process", stdout=out)

    assert "4 people, 4 matched in 2 groups" in out.getvalue()
    assert Round.objects.get().trigger == Round.Trigger.COMMAND


def test_run_matching_sends_the_round_to_the_workers(
    clock: time_machine.Traveller, region: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.run_round_task, "delay", lambda *args: sent.append(args))
    out = StringIO()

    call_command("run_matching", "--region", "Munich", "--window-days", "3", stdout=out)

    start, end = round_window(region=region, now=timezone.now(), days=3)
    assert sent == [(region.pk, start.isoformat(), end.isoformat(), "command")]
    assert "sent to the workers" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "atlantis"], "No region named 'atlantis'"),
        (["--region", "munich", "--window-days", "60"], "--window-days must be 1 to 28"),
    ],
)
def test_run_matching_refuses_what_it_cannot_run(
    region: Region, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("run_matching", *args, "--in-process")


def test_tasks_are_named_and_routed_to_the_matching_queue(
    settings: Callable[..., Any],
) -> None:
    from django.conf import settings as django_settings

    names = [
        tasks.schedule_rounds_task.name,
        tasks.run_round_task.name,
        tasks.solve_cell_task.name,
        tasks.merge_round_task.name,
        tasks.fail_round_task.name,
        tasks.scan_task.name,
    ]
    assert all(name.startswith("matching.") for name in names)
    assert django_settings.CELERY_TASK_ROUTES["matching.*"] == {"queue": "matching"}
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert schedule["matching-rounds"]["task"] == "matching.schedule_rounds"
    assert schedule["matching-scan"]["task"] == "matching.scan"
    assert tasks.run_round_task.acks_late
    assert tasks.solve_cell_task.acks_late
    assert tasks.merge_round_task.acks_late


def test_the_workers_tell_people_in_chunks_each_once(
    clock: time_machine.Traveller,
    region: Region,
    venue: Venue,
    two_pairs: list[User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start, end = round_window(region=region, now=timezone.now())
    round_, _ = services.round_claim(
        region=region,
        window_start=start,
        window_end=end,
        mode=Round.Mode.DISTRIBUTED,
        trigger=Round.Trigger.SCHEDULE,
    )
    data = round_input(
        region=region,
        window_start=start,
        window_end=end,
        step=round_.slot_step,
        length=round_.slot_length,
    )
    saved = services.round_save_result(
        round_id=round_.pk,
        problem=data.problem,
        result=match_region(data.problem),
        timings={},
        venues=1,
    )
    sent: list[tuple[int, int, int]] = []
    monkeypatch.setattr("apps.matching.services.rounds.NOTIFY_CHUNK", 3)
    monkeypatch.setattr(tasks.notify_round_task, "delay", lambda *args: sent.append(args))

    assert services.round_notify_dispatch(round_=saved) == 2
    for round_id, first, last in sent:
        tasks.notify_round_task(round_id, first, last)
    for round_id, first, last in sent:  # a redelivered chunk tells nobody again
        assert tasks.notify_round_task(round_id, first, last) == 0

    assert sorted(Message.objects.values_list("user_id", flat=True)) == sorted(
        u.pk for u in two_pairs
    )
    assert services.round_notify_dispatch(round_=saved) == 0
