"""Running a matching round and saving its proposals.

Two ways to run the same round, with the same result for the same input (the engine is
deterministic):

* `round_execute`: everything in this process (`match_region`): the management command's
  `--in-process`, the demo, tests.
* `round_dispatch` + `round_merge`: the Celery path. `round_dispatch` (task `matching.run_round`)
  reads the input, keeps it on the round's row, cuts the region into cells and sends a chord: one
  `matching.solve_cell` task per cell (its cell's problem as JSON), then `matching.merge_round`
  with every cell's groups, which repairs the borders, picks venues and saves.

Idempotent: a round is one row per `(region, window_start)`, taken with a lease
(`round_claim`); a redelivered task finds the row running or done and stops, and the result is
saved once, in one transaction, under the row's lock. Saving re-checks everyone against the
database (someone suspended, blocked, paused or proposed elsewhere while the engine ran leaves
their group out), so no proposal goes to someone who is no longer eligible.
"""

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.events.services import local_time_label
from apps.matching import selectors
from apps.matching.engine import (
    CellSolution,
    Group,
    MatchProblem,
    MatchResult,
    cell_problem,
    match_region,
    merge_cells,
    plan_cells,
)
from apps.matching.models import Round, Suggestion, SuggestionMember
from apps.matching.payloads import problem_pack, problem_to_json, problem_unpack
from apps.matching.slots import Slot, round_slots
from apps.notifications.models import Kind
from apps.notifications.services import Notice, notify_many
from apps.safety.selectors import blocked_pairs_among
from apps.venues.models import Region, Venue

logger = logging.getLogger(__name__)

# Every round's save takes this transaction-level lock: two rounds (a scheduled one and a manual
# one) never save proposals for the same person at once.
SAVE_LOCK_KEY = 0x6D61_7463_6800
NOTIFY_BATCH = 200
NOTIFY_CHUNK = 2000


# --- Claiming ---------------------------------------------------------------------------------
def round_claim(
    *,
    region: Region,
    window_start: datetime,
    window_end: datetime,
    mode: Round.Mode,
    trigger: Round.Trigger,
    now: datetime | None = None,
) -> tuple[Round, bool]:
    """Take the round `(region, window_start)` to run it: `(round, True)` when it is new, failed
    before, or its last run's lease ran out (that run died); `(round, False)` when it is done or
    someone else is running it. Two callers racing: the unique row and a conditional update
    let exactly one win."""
    now = now or timezone.now()
    lease = now + timedelta(minutes=settings.MATCHING_ROUND_LEASE_MINUTES)
    round_, created = Round.objects.get_or_create(
        region=region,
        window_start=window_start,
        defaults={
            "window_end": window_end,
            "slot_step": selectors.slot_step(),
            "slot_length": selectors.slot_length(),
            "status": Round.Status.RUNNING,
            "mode": mode,
            "trigger": trigger,
            "started_at": now,
            "lease_until": lease,
        },
    )
    if created:
        return round_, True
    if round_.status == Round.Status.DONE:
        return round_, False
    if round_.status == Round.Status.RUNNING and round_.lease_until > now:
        return round_, False
    taken = Round.objects.filter(
        pk=round_.pk, status=round_.status, lease_until=round_.lease_until
    ).update(
        status=Round.Status.RUNNING,
        mode=mode,
        trigger=trigger,
        started_at=now,
        finished_at=None,
        lease_until=lease,
        error="",
        problem=None,
    )
    round_.refresh_from_db()
    return round_, bool(taken)


def round_fail(*, round_id: int, error: str) -> None:
    """Record that a run failed (a later run may take the round again)."""
    Round.objects.filter(pk=round_id, status=Round.Status.RUNNING).update(
        status=Round.Status.FAILED,
        finished_at=timezone.now(),
        error=error[:5000],
        problem=None,
    )


def rounds_fail_stale(*, now: datetime | None = None) -> int:
    """Rounds whose run died without saving (its lease ran out): failed, so the admin shows it
    and the input they kept (people's homes) goes."""
    now = now or timezone.now()
    return Round.objects.filter(status=Round.Status.RUNNING, lease_until__lt=now).update(
        status=Round.Status.FAILED,
        finished_at=now,
        error="The run stopped before saving its result (its lease ran out).",
        problem=None,
    )


def round_slots_of(round_: Round) -> list[Slot]:
    return round_slots(
        window_start=round_.window_start,
        window_end=round_.window_end,
        step=round_.slot_step,
        length=round_.slot_length,
    )


def _window(
    region: Region, window_start: datetime | None, window_days: int | None, now: datetime
) -> tuple[datetime, datetime]:
    if window_start is None:
        return selectors.round_window(region=region, now=now, days=window_days)
    days = window_days or settings.MATCHING_WINDOW_DAYS
    return window_start, window_start + timedelta(days=days)


def _input_for(round_: Round, now: datetime) -> selectors.RoundInput:
    return selectors.round_input(
        region=round_.region,
        window_start=round_.window_start,
        window_end=round_.window_end,
        step=round_.slot_step,
        length=round_.slot_length,
        now=now,
    )


# --- In this process --------------------------------------------------------------------------
def round_execute(
    *,
    region: Region,
    window_start: datetime | None = None,
    window_days: int | None = None,
    trigger: Round.Trigger = Round.Trigger.COMMAND,
    workers: int = 1,
) -> Round:
    """Run one round of `region` in this process and save its proposals; tell the people.
    Without `window_start`, the window starts at the next full hour after the lead time.
    Returns the round (an existing one unchanged when it is done or running elsewhere)."""
    from apps.matching.services.suggestions import suggestions_expire_due

    now = timezone.now()
    suggestions_expire_due(now=now)  # people whose proposals lapsed take part again
    start, end = _window(region, window_start, window_days, now)
    round_, claimed = round_claim(
        region=region,
        window_start=start,
        window_end=end,
        mode=Round.Mode.IN_PROCESS,
        trigger=trigger,
        now=now,
    )
    if not claimed:
        return round_
    try:
        data = _input_for(round_, now)
        started = time.perf_counter()
        result = match_region(data.problem, workers=workers)
        engine_seconds = time.perf_counter() - started
        round_ = round_save_result(
            round_id=round_.pk,
            problem=data.problem,
            result=result,
            timings={"input": data.seconds, "engine": engine_seconds},
            venues=len(data.problem.venues),
        )
    except Exception as exc:
        logger.exception("Matching round %s failed", round_.pk)
        round_fail(round_id=round_.pk, error=f"{type(exc).__name__}: {exc}")
        raise
    round_notify(round_=round_)
    return round_


# --- As a Celery chord ------------------------------------------------------------------------
def round_dispatch(
    *,
    region: Region,
    window_start: datetime,
    window_end: datetime,
    trigger: Round.Trigger = Round.Trigger.SCHEDULE,
) -> Round:
    """Claim the round, read its input, keep it on the row and send the chord: one
    `matching.solve_cell` per cell, then `matching.merge_round`. Returns at once (the worker
    that runs this is free for a cell). A round already done or running is left alone."""
    from apps.matching import tasks
    from apps.matching.services.suggestions import suggestions_expire_due

    now = timezone.now()
    suggestions_expire_due(now=now)
    round_, claimed = round_claim(
        region=region,
        window_start=window_start,
        window_end=window_end,
        mode=Round.Mode.DISTRIBUTED,
        trigger=trigger,
        now=now,
    )
    if not claimed:
        return round_
    try:
        data = _input_for(round_, now)
        started = time.perf_counter()
        plan = plan_cells(data.problem)
        cells = [
            problem_to_json(cell_problem(data.problem, plan, cell.index)) for cell in plan.cells
        ]
        plan_seconds = time.perf_counter() - started
        round_.problem = problem_pack(data.problem)
        round_.participants = len(data.problem.candidates)
        round_.venues = len(data.problem.venues)
        round_.slots = len(data.slots)
        round_.cells = len(plan.cells)
        round_.input_seconds = data.seconds
        round_.engine_seconds = plan_seconds
        round_.save(
            update_fields=[
                "problem",
                "participants",
                "venues",
                "slots",
                "cells",
                "input_seconds",
                "engine_seconds",
                "updated_at",
            ]
        )
        if not cells:
            empty = match_region(data.problem)
            round_save_result(
                round_id=round_.pk,
                problem=data.problem,
                result=empty,
                timings={"input": data.seconds, "engine": plan_seconds},
                venues=len(data.problem.venues),
            )
            return round_
        tasks.send_round_chord(round_id=round_.pk, cells=cells)
    except Exception as exc:
        logger.exception("Matching round %s failed while dispatching", round_.pk)
        round_fail(round_id=round_.pk, error=f"{type(exc).__name__}: {exc}")
        raise
    return round_


def cell_solve(*, cell: Mapping[str, Any], cell_index: int) -> dict[str, Any]:
    """One cell's groups (a worker's part of a chord): pure, no database."""
    from apps.matching.engine import solve_cell
    from apps.matching.payloads import problem_from_json

    started = time.perf_counter()
    solution = solve_cell(problem_from_json(dict(cell)), cell_index)
    return {**solution.to_json(), "seconds": time.perf_counter() - started}


def round_merge(*, round_id: int, solutions: Sequence[Mapping[str, Any]]) -> Round:
    """The chord's callback: merge the cells' groups (border repair, venues and slots) on the
    input the cells were cut from, save, tell people. A redelivered callback finds the round
    done and only finishes telling people."""
    round_ = Round.objects.select_related("region").get(pk=round_id)
    if round_.status == Round.Status.DONE:
        round_notify_dispatch(round_=round_)
        return round_
    if round_.status != Round.Status.RUNNING or round_.problem is None:
        logger.warning("Round %s is %s; its merge is dropped", round_id, round_.status)
        return round_
    try:
        problem = problem_unpack(round_.problem)
        started = time.perf_counter()
        plan = plan_cells(problem)
        cells = [CellSolution.from_json(s) for s in solutions]
        result = merge_cells(problem, plan, cells)
        merge_seconds = time.perf_counter() - started
        solve_seconds = sum(float(s.get("seconds", 0.0)) for s in solutions)
        round_ = round_save_result(
            round_id=round_.pk,
            problem=problem,
            result=result,
            timings={
                "input": round_.input_seconds,
                "engine": round_.engine_seconds + solve_seconds + merge_seconds,
            },
            venues=len(problem.venues),
        )
    except Exception as exc:
        logger.exception("Matching round %s failed while merging", round_id)
        round_fail(round_id=round_id, error=f"{type(exc).__name__}: {exc}")
        raise
    round_notify_dispatch(round_=round_)
    return round_


def rounds_schedule(*, now: datetime | None = None) -> int:
    """Beat's daily scan: one `matching.run_round` per active region, for the window starting
    at the next full hour after the lead time (a repeated scan in the same hour asks for the
    same rows, which the first run already holds)."""
    from apps.matching import tasks

    now = now or timezone.now()
    count = 0
    for region in Region.objects.filter(is_active=True).order_by("pk"):
        start, end = selectors.round_window(region=region, now=now)
        tasks.run_round_task.delay_on_commit(
            region.pk, start.isoformat(), end.isoformat(), Round.Trigger.SCHEDULE.value
        )
        count += 1
    return count


# --- Saving -----------------------------------------------------------------------------------
def why_text(shared_interest_ids: Sequence[int], size: int, names: Mapping[int, str]) -> str:
    """The why, e.g. "You both like jazz, chess and 2 more": only interests every member holds
    (rarest first). Nothing about trips: a range of trips to the venue would tell a pair how
    far the other lives from it."""
    named = [names.get(i, "the same things") for i in shared_interest_ids[:3]]
    more = len(shared_interest_ids) - len(named)
    if more > 0:
        liked = f"{', '.join(named)} and {more} more"
    elif len(named) > 1:
        liked = f"{', '.join(named[:-1])} and {named[-1]}"
    else:
        liked = named[0] if named else "the same things"
    who = "You both like" if size == 2 else "You all like"
    return f"{who} {liked}"[:300]


def _respond_by(starts_at: datetime, now: datetime) -> datetime:
    """A day to answer (MATCHING_RESPOND_HOURS), ending well before the start; on the minute."""
    return min(
        now + timedelta(hours=settings.MATCHING_RESPOND_HOURS),
        starts_at - timedelta(hours=settings.MATCHING_RESPOND_MARGIN_HOURS),
    ).replace(second=0, microsecond=0)


@transaction.atomic
def round_save_result(
    *,
    round_id: int,
    problem: MatchProblem,
    result: MatchResult,
    timings: Mapping[str, float],
    venues: int,
) -> Round:
    """Save the engine's groups as pending proposals, in one transaction, once: a second call
    for a round already done changes nothing. Groups with someone no longer eligible (checked
    against the database now), a pair blocked since, a venue retired since or a start too close
    to leave time to answer are left out (`dropped_at_save`)."""
    round_ = Round.objects.select_for_update().select_related("region").get(pk=round_id)
    if round_.status == Round.Status.DONE:
        return round_
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SAVE_LOCK_KEY])
    now = timezone.now()
    slots = round_slots_of(round_)
    ids = sorted({u for g in result.groups for u in g.member_ids})
    eligible = selectors.eligible_user_ids(region=round_.region, now=now, among=ids)
    blocked = blocked_pairs_among(ids)
    active_venues = set(
        Venue.objects.filter(
            pk__in={g.venue_id for g in result.groups}, is_active=True
        ).values_list("pk", flat=True)
    )
    people = {c.user_id: c for c in problem.candidates}
    names = dict(problem.interest_names or {})

    kept: list[tuple[Group, datetime, datetime, datetime]] = []
    for group in result.groups:
        starts_at, ends_at = slots[group.slot]
        respond_by = _respond_by(starts_at, now)
        members = group.member_ids
        if (
            any(u not in eligible for u in members)
            or any(
                (min(a, b), max(a, b)) in blocked
                for i, a in enumerate(members)
                for b in members[i + 1 :]
            )
            or group.venue_id not in active_venues
            or respond_by <= now
        ):
            continue
        kept.append((group, starts_at, ends_at, respond_by))

    suggestions = Suggestion.objects.bulk_create(
        Suggestion(
            round=round_,
            venue_id=group.venue_id,
            starts_at=starts_at,
            ends_at=ends_at,
            respond_by=respond_by,
            size=len(group.member_ids),
            why=why_text(group.shared_interest_ids, len(group.member_ids), names),
            score=group.score,
            shared_interest_ids=list(group.shared_interest_ids),
        )
        for group, starts_at, ends_at, respond_by in kept
    )
    members: list[SuggestionMember] = []
    for suggestion, (group, *_rest) in zip(suggestions, kept, strict=True):
        for k, user_id in enumerate(group.member_ids):
            others: set[int] = set()
            for other in group.member_ids:
                if other != user_id:
                    others |= people[other].interest_ids
            members.append(
                SuggestionMember(
                    suggestion=suggestion,
                    round=round_,
                    user_id=user_id,
                    shared_interest_ids=sorted(people[user_id].interest_ids & others),
                    trip_km=group.trip_km[k],
                )
            )
    SuggestionMember.objects.bulk_create(members, batch_size=2000)

    trips = [t for group, *_ in kept for t in group.trip_km]
    round_.participants = len(problem.candidates)
    round_.matched = sum(len(g.member_ids) for g, *_ in kept)
    round_.groups = len(kept)
    round_.mean_shared_interests = (
        sum(len(g.shared_interest_ids) for g, *_ in kept) / len(kept) if kept else 0.0
    )
    round_.mean_trip_km = sum(trips) / len(trips) if trips else 0.0
    round_.max_trip_km = max(trips, default=0.0)
    round_.objective = sum(g.score for g, *_ in kept)
    round_.cells = result.stats.cells
    round_.venues = venues
    round_.slots = len(slots)
    round_.dropped_for_venue_capacity = result.stats.dropped_for_venue_capacity
    round_.dropped_at_save = len(result.groups) - len(kept)
    round_.input_seconds = timings.get("input", 0.0)
    round_.engine_seconds = timings.get("engine", 0.0)
    round_.save_seconds = (timezone.now() - now).total_seconds()
    round_.runtime_seconds = (timezone.now() - round_.started_at).total_seconds()
    round_.status = Round.Status.DONE
    round_.finished_at = timezone.now()
    round_.error = ""
    round_.problem = None
    round_.save()
    return round_


# --- Telling people ---------------------------------------------------------------------------
def _to_tell(round_: Round) -> QuerySet[SuggestionMember]:
    return SuggestionMember.objects.filter(
        round=round_,
        notified_at__isnull=True,
        response=SuggestionMember.Response.PENDING,
        suggestion__status=Suggestion.Status.PENDING,
    )


def round_notify_dispatch(*, round_: Round) -> int:
    """The distributed path tells people in parallel: one `matching.notify_round` task per
    NOTIFY_CHUNK members still to tell (by member id range). Returns the number of tasks."""
    from apps.matching import tasks

    pks = list(_to_tell(round_).order_by("pk").values_list("pk", flat=True))
    chunks = [pks[k : k + NOTIFY_CHUNK] for k in range(0, len(pks), NOTIFY_CHUNK)]
    for chunk in chunks:
        tasks.notify_round_task.delay(round_.pk, chunk[0], chunk[-1])
    return len(chunks)


def round_notify(*, round_: Round, pk_from: int | None = None, pk_to: int | None = None) -> int:
    """Tell each member of the round's proposals that are still open ("a meetup for you"),
    members `pk_from`..`pk_to` when given; once each, by key, so a crash halfway and a second
    call tell nobody twice. Returns how many were told now."""
    told = 0
    members = _to_tell(round_)
    if pk_from is not None:
        members = members.filter(pk__gte=pk_from)
    if pk_to is not None:
        members = members.filter(pk__lte=pk_to)
    while True:
        batch = list(members.select_related("suggestion__venue").order_by("pk")[:NOTIFY_BATCH])
        if not batch:
            return told
        notices = [
            Notice(
                user_id=member.user_id,
                kind=Kind.NEW_PROPOSAL,
                context={
                    "suggestion_id": member.suggestion.pk,
                    "venue_name": member.suggestion.venue.name,
                    "starts_at_local": local_time_label(
                        member.suggestion.venue, member.suggestion.starts_at
                    ),
                    "respond_by_local": local_time_label(
                        member.suggestion.venue, member.suggestion.respond_by
                    ),
                    "others_count": member.suggestion.size - 1,
                },
                idempotency_key=f"matching:proposal:{member.suggestion.pk}:{member.user_id}",
                url=suggestion_url(member.suggestion.pk),
            )
            for member in batch
        ]
        with transaction.atomic():
            notify_many(notices=notices)
            SuggestionMember.objects.filter(pk__in=[m.pk for m in batch]).update(
                notified_at=timezone.now()
            )
        told += len(batch)


def suggestion_url(suggestion_id: int) -> str:
    return f"/suggestions/#suggestion-{suggestion_id}"
