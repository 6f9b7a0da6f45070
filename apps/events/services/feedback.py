"""After the meetup: feedback, connections and no-shows (contract: "After the meetup").

* Feedback is given once per person per event, only by someone who was going, once the event
  has started. It names people who were going: whom one would meet again, who did not come.
* Two people who both said "meet again" about each other after the same event get a
  `Connection` (one per pair), and each is told once. Feedback on one event is serialised on
  the event's row lock, so two people answering at the same moment still find each other.
* A no-show counts once per reported person and event, however many reported it. Three in
  NO_SHOW_WINDOW_DAYS (counted from the end of the last pause) pause that person's meetup
  suggestions for NO_SHOW_PAUSE_DAYS, with a message that says so. The count runs under the
  reported person's profile lock, so reports arriving together on different events are not
  both counted without the other.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Profile, User
from apps.accounts.services import profile_pause_matching
from apps.events.errors import (
    EventCancelled,
    FeedbackAlreadyGiven,
    FeedbackTooEarly,
    NotAttendee,
)
from apps.events.models import Connection, Event, Feedback, MeetAgain, NoShowReport, Rsvp
from apps.events.services.reminders import local_label
from apps.notifications.models import Kind
from apps.notifications.services import notify
from apps.safety.selectors import blocked_pairs_among

MAX_NAMED = 50  # an event has at most 50 people


@dataclass(frozen=True)
class FeedbackResult:
    feedback: Feedback
    meet_again: list[int]
    no_show: list[int]
    connections_made: list[int] = field(default_factory=list)
    paused: list[int] = field(default_factory=list)


def _people(value: Iterable[Any], name: str) -> list[int]:
    ids: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValidationError({name: ValidationError("A list of user ids.", code="invalid")})
        ids.append(item)
    if len(ids) > MAX_NAMED:
        raise ValidationError(
            {name: ValidationError(f"At most {MAX_NAMED} people.", code="max_length")}
        )
    return sorted(set(ids))


def _check_named(
    *, meet_again: list[int], no_show: list[int], going: set[int], user: User, attended: bool
) -> None:
    for name, ids in (("meet_again", meet_again), ("no_show", no_show)):
        if user.pk in ids:
            raise ValidationError(
                {name: ValidationError("You cannot name yourself.", code="self_named")}
            )
        strangers = [user_id for user_id in ids if user_id not in going]
        if strangers:
            raise ValidationError(
                {
                    name: ValidationError(
                        "Not going to this event: " + ", ".join(map(str, strangers)) + ".",
                        code="not_attendees",
                    )
                }
            )
    if not attended and (meet_again or no_show):
        raise ValidationError(
            {
                "attended": ValidationError(
                    "If you did not go, you cannot say whom you met or who was missing.",
                    code="not_attended",
                )
            }
        )
    both = sorted(set(meet_again) & set(no_show))
    if both:
        raise ValidationError(
            {
                "no_show": ValidationError(
                    "Named both as someone to meet again and as missing: "
                    + ", ".join(map(str, both))
                    + ".",
                    code="contradictory",
                )
            }
        )


def _check_rating(venue_rating: int | None) -> None:
    if venue_rating is None:
        return
    if isinstance(venue_rating, bool) or not isinstance(venue_rating, int):
        raise ValidationError(
            {"venue_rating": ValidationError("A whole number from 1 to 5.", code="invalid")}
        )
    if not 1 <= venue_rating <= 5:
        raise ValidationError(
            {"venue_rating": ValidationError("From 1 to 5, or null.", code="out_of_range")}
        )


@transaction.atomic
def feedback_submit(
    *,
    event: Event,
    user: User,
    attended: bool,
    venue_rating: int | None = None,
    meet_again: Iterable[int] = (),
    no_show: Iterable[int] = (),
    now: datetime | None = None,
) -> FeedbackResult:
    """Record `user`'s feedback on `event`; make connections for mutual "meet again"; count
    no-shows (and pause whoever reached the limit).

    Refuses: 409 `event_cancelled`; 409 `feedback_too_early` before the start; 403
    `not_attendee` unless `user` was going; 409 `feedback_already_given` the second time;
    400 naming the field for a person who was not going (`not_attendees`), oneself
    (`self_named`), someone in both lists (`contradictory`), names without having attended
    (`not_attended`) or a rating outside 1-5. The caller checked that `user` may see the event.
    """
    now = now or timezone.now()
    meet_again_ids = _people(meet_again, "meet_again")
    no_show_ids = _people(no_show, "no_show")
    _check_rating(venue_rating)
    # Serialises feedback on this event: a mutual "meet again" is seen by the second answer.
    event = Event.objects.select_for_update(no_key=True).select_related("venue").get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        raise EventCancelled()
    if event.starts_at > now:
        raise FeedbackTooEarly()
    going = set(
        Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING).values_list("user_id", flat=True)
    )
    if user.pk not in going:
        raise NotAttendee()
    if Feedback.objects.filter(event=event, user=user).exists():
        raise FeedbackAlreadyGiven()
    _check_named(
        meet_again=meet_again_ids,
        no_show=no_show_ids,
        going=going,
        user=user,
        attended=bool(attended),
    )
    feedback = Feedback.objects.create(
        event=event, user=user, attended=bool(attended), venue_rating=venue_rating
    )
    MeetAgain.objects.bulk_create(
        MeetAgain(event=event, user=user, other_id=other, created_at=now)
        for other in meet_again_ids
    )
    NoShowReport.objects.bulk_create(
        (
            NoShowReport(event=event, reporter=user, reported_id=other, created_at=now)
            for other in no_show_ids
        ),
        ignore_conflicts=True,
    )
    made = _connect(event=event, user=user, named=meet_again_ids)
    paused = no_shows_apply(user_ids=no_show_ids, now=now)
    return FeedbackResult(
        feedback=feedback,
        meet_again=meet_again_ids,
        no_show=no_show_ids,
        connections_made=made,
        paused=paused,
    )


def _connect(*, event: Event, user: User, named: Sequence[int]) -> list[int]:
    """Connections for the people in `named` who said "meet again" about `user` here too.
    Blocked pairs get none. Returns the ids of the people newly connected with `user`."""
    if not named:
        return []
    mutual = set(
        MeetAgain.objects.filter(event=event, other=user, user_id__in=named).values_list(
            "user_id", flat=True
        )
    )
    blocked = blocked_pairs_among([user.pk, *mutual]) if mutual else set()
    made: list[int] = []
    for other_id in sorted(mutual):
        low, high = min(user.pk, other_id), max(user.pk, other_id)
        if (low, high) in blocked:
            continue
        _, created = Connection.objects.get_or_create(
            user_low_id=low, user_high_id=high, defaults={"event": event}
        )
        if created:
            made.append(other_id)
    if made:
        names = dict(
            Profile.objects.filter(user_id__in=[user.pk, *made]).values_list(
                "user_id", "display_name"
            )
        )
        users = User.objects.select_related("profile").in_bulk([user.pk, *made])
        for other_id in made:
            low, high = min(user.pk, other_id), max(user.pk, other_id)
            for me, them in ((user.pk, other_id), (other_id, user.pk)):
                notify(
                    user=users[me],
                    kind=Kind.CONNECTION_MADE,
                    # The other's name and the event only: contact details are shown on the
                    # connections page, never in a notification.
                    context={
                        "other_id": them,
                        "other_name": names.get(them, "MatchUp member"),
                        "event_id": event.pk,
                        "event_title": event.title,
                    },
                    idempotency_key=f"connection-made:{low}:{high}:{me}",
                    url="/connections/",
                )
    return made


def no_shows_apply(*, user_ids: Sequence[int], now: datetime | None = None) -> list[int]:
    """Pause matching for those of `user_ids` who reached NO_SHOW_LIMIT no-shows in
    NO_SHOW_WINDOW_DAYS (events since their last pause ended); tell each once. Returns who was
    paused now. Runs in the caller's transaction, after the reports were written."""
    if not user_ids:
        return []
    now = now or timezone.now()
    window = timedelta(days=settings.NO_SHOW_WINDOW_DAYS)
    paused: list[int] = []
    # Locked in id order: two answers reporting the same people never deadlock, and each count
    # sees the other's committed reports.
    profiles = list(
        Profile.objects.select_for_update()
        .filter(user_id__in=user_ids)
        .select_related("user")
        .order_by("user_id")
    )
    for profile in profiles:
        until = profile.matching_paused_until
        if until is not None and until > now:
            continue  # already paused: the reports do not stack up a second pause
        since = max(now - window, until) if until is not None else now - window
        count = (
            NoShowReport.objects.filter(
                reported_id=profile.user_id,
                event__starts_at__gt=since,
                event__starts_at__lte=now,
            )
            .values("event_id")
            .distinct()
            .count()
        )
        if count < settings.NO_SHOW_LIMIT:
            continue
        until = now + timedelta(days=settings.NO_SHOW_PAUSE_DAYS)
        profile_pause_matching(profile=profile, until=until)
        notify(
            user=profile.user,
            kind=Kind.MATCHING_PAUSED,
            context={
                "until_local": local_label(until, profile.timezone),
                "no_shows": count,
                "reason": (
                    f"People at {count} of your recent meetups reported that you did not come."
                ),
            },
            idempotency_key=f"matching-paused:{profile.user_id}:{until:%Y%m%dT%H%M%S}",
            url="/me/",
        )
        paused.append(profile.user_id)
    return paused
