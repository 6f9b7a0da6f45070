"""Answering proposals, confirming meetups, expiry, reminders, and safety's withdrawals.

Rules:
* Everyone answers until `respond_by`. A pair is confirmed when both accept; a group (3-6
  people) when three accept. Confirming creates the private meetup (an event with the people
  who accepted going) and tells them. Members of a confirmed group who have not answered may
  still accept until `respond_by` and join it.
* A proposal that can no longer reach its quorum (a pair member declined; a group down to two
  possible) is cancelled at once; one still short at `respond_by` expires (the periodic scan;
  a group that reached three by then is confirmed instead). Declining, expiry and cancellation
  free people for the next round.
* Safety: a suspended, banned or deleted person is withdrawn from what they have not joined
  yet; after a block, the two are never left in the same open proposal.

Every write locks the suggestion's row first, so concurrent answers see each other's, and is
safe to repeat (a second accept or decline returns the same state).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.events.services import event_create_for_group, local_time_label, meetup_member_add
from apps.matching.errors import (
    AlreadyDeclined,
    AlreadyGoing,
    RespondByPassed,
    SuggestionClosed,
    SuggestionNotFound,
)
from apps.matching.models import GROUP_QUORUM, PAIR, Suggestion, SuggestionMember
from apps.matching.selectors import interest_slugs
from apps.matching.services.rounds import suggestion_url
from apps.notifications.models import Kind
from apps.notifications.services import notify

Response = SuggestionMember.Response
Status = Suggestion.Status
CLOSED = (Status.EXPIRED, Status.CANCELLED)
SCAN_LIMIT = 5000


def _lock(suggestion: Suggestion) -> Suggestion:
    return Suggestion.objects.select_for_update().select_related("venue").get(pk=suggestion.pk)


def _member(suggestion: Suggestion, user: User) -> SuggestionMember:
    member = (
        SuggestionMember.objects.filter(suggestion=suggestion, user=user)
        .exclude(response=Response.WITHDRAWN)
        .first()
    )
    if member is None:
        raise SuggestionNotFound()
    return member


def _quorum(suggestion: Suggestion) -> int:
    return PAIR if suggestion.size == PAIR else GROUP_QUORUM


def _meetup_title(suggestion: Suggestion) -> str:
    return f"Meetup at {suggestion.venue.name}"[:120]


def _tell_confirmed(suggestion: Suggestion, members: list[SuggestionMember]) -> None:
    venue = suggestion.venue
    for member in members:
        notify(
            user=member.user,
            kind=Kind.MEETUP_CONFIRMED,
            context={
                "suggestion_id": suggestion.pk,
                "event_id": suggestion.event_id,
                "venue_name": venue.name,
                "address": venue.address,
                "starts_at_local": local_time_label(venue, suggestion.starts_at),
            },
            idempotency_key=f"matching:confirmed:{suggestion.pk}:{member.user_id}",
            url=f"/events/{suggestion.event_id}/"
            if suggestion.event_id
            else suggestion_url(suggestion.pk),
        )


def _confirm_if_ready(suggestion: Suggestion, now: datetime) -> bool:
    """Confirm a pending proposal whose quorum accepted. The caller holds the row's lock."""
    if suggestion.status != Status.PENDING:
        return False
    accepted = list(
        suggestion.members.filter(response=Response.ACCEPTED)
        .select_related("user__profile")
        .order_by("pk")
    )
    if len(accepted) < _quorum(suggestion):
        return False
    event = event_create_for_group(
        venue=suggestion.venue,
        starts_at=suggestion.starts_at,
        ends_at=suggestion.ends_at,
        members=[m.user for m in accepted],
        title=_meetup_title(suggestion),
        description=suggestion.why,
        interests=interest_slugs(suggestion.shared_interest_ids),
    )
    suggestion.status = Status.CONFIRMED
    suggestion.event = event
    suggestion.confirmed_at = now
    suggestion.save(update_fields=["status", "event", "confirmed_at", "updated_at"])
    _tell_confirmed(suggestion, accepted)
    return True


def _cancel_if_hopeless(suggestion: Suggestion, now: datetime, reason: str) -> bool:
    """Cancel a pending proposal that can no longer reach its quorum (the caller holds the
    lock); its remaining members are free for the next round."""
    if suggestion.status != Status.PENDING:
        return False
    possible = suggestion.members.filter(response__in=[Response.PENDING, Response.ACCEPTED]).count()
    if possible >= _quorum(suggestion):
        return False
    suggestion.status = Status.CANCELLED
    suggestion.closed_at = now
    suggestion.close_reason = reason
    suggestion.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    return True


# --- Answers ----------------------------------------------------------------------------------
@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, user: User) -> Suggestion:
    """`user` accepts. Confirms the meetup when this completes the quorum; joins it when it is
    confirmed already. Accepting again changes nothing. 404 when `user` is not (or no longer)
    a member; 409 `respond_by_passed`, `suggestion_closed`, `suggestion_declined`."""
    suggestion = _lock(suggestion)
    member = _member(suggestion, user)
    if member.response == Response.ACCEPTED:
        return suggestion
    if member.response == Response.DECLINED:
        raise AlreadyDeclined()
    now = timezone.now()
    if now >= suggestion.respond_by:
        raise RespondByPassed()
    if suggestion.status in CLOSED:
        raise SuggestionClosed()
    member.response = Response.ACCEPTED
    member.responded_at = now
    member.save(update_fields=["response", "responded_at"])
    if suggestion.status == Status.CONFIRMED:
        if suggestion.event is not None:
            meetup_member_add(event=suggestion.event, user=user)
        _tell_confirmed(suggestion, [member])
    else:
        _confirm_if_ready(suggestion, now)
    return suggestion


@transaction.atomic
def suggestion_decline(*, suggestion: Suggestion, user: User, reason: str = "") -> Suggestion:
    """`user` declines (with an optional reason, seen only by MatchUp). The proposal is cancelled
    when it can no longer reach its quorum. Declining again changes nothing (the first reason
    stays). 409 `respond_by_passed`, and `meetup_confirmed` for someone
    already going to the confirmed meetup (they leave it on the event instead)."""
    suggestion = _lock(suggestion)
    member = _member(suggestion, user)
    if member.response == Response.DECLINED:
        return suggestion
    if member.response == Response.ACCEPTED and suggestion.status == Status.CONFIRMED:
        raise AlreadyGoing()
    now = timezone.now()
    if now >= suggestion.respond_by:
        raise RespondByPassed()
    # Declining a proposal that just became impossible is still what the person wants: recorded.
    member.response = Response.DECLINED
    member.responded_at = now
    member.decline_reason = reason.strip()[:300]
    member.save(update_fields=["response", "responded_at", "decline_reason"])
    _cancel_if_hopeless(suggestion, now, "Too many people declined.")
    return suggestion


# --- Periodic scans ---------------------------------------------------------------------------
def suggestions_expire_due(*, now: datetime | None = None) -> dict[str, int]:
    """Pending proposals whose `respond_by` passed: confirmed when the quorum accepted by then,
    else expired. Each in its own transaction under its lock; safe to run concurrently."""
    now = now or timezone.now()
    counts = {"confirmed": 0, "expired": 0}
    due = list(
        Suggestion.objects.pending()
        .filter(respond_by__lte=now)
        .order_by("respond_by", "pk")
        .values_list("pk", flat=True)[:SCAN_LIMIT]
    )
    for pk in due:
        outcome = _expire_one(pk, now)
        if outcome:
            counts[outcome] += 1
    return counts


@transaction.atomic
def _expire_one(pk: int, now: datetime) -> str | None:
    suggestion = (
        Suggestion.objects.select_for_update(skip_locked=True)
        .select_related("venue")
        .filter(pk=pk, status=Status.PENDING)
        .first()
    )
    if suggestion is None:
        return None
    if _confirm_if_ready(suggestion, now):
        return "confirmed"
    suggestion.status = Status.EXPIRED
    suggestion.closed_at = now
    suggestion.close_reason = "Not enough people accepted in time."
    suggestion.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    return "expired"


def suggestions_remind_due(*, now: datetime | None = None) -> int:
    """Remind ("your suggestion expires soon") once each member who has not answered, when
    `respond_by` is less than `MATCHING_REMIND_HOURS` away (not for proposals made with less
    time than that to answer: their first message said it). Returns how many were told."""
    now = now or timezone.now()
    ahead = timedelta(hours=settings.MATCHING_REMIND_HOURS)
    members = list(
        SuggestionMember.objects.filter(
            response=Response.PENDING,
            reminded_at__isnull=True,
            suggestion__status__in=[Status.PENDING, Status.CONFIRMED],
            suggestion__respond_by__gt=now,
            suggestion__respond_by__lte=now + ahead,
            suggestion__created_at__lt=F("suggestion__respond_by") - ahead,
        )
        .select_related("suggestion__venue", "user__profile")
        .order_by("pk")[:SCAN_LIMIT]
    )
    for member in members:
        with transaction.atomic():
            suggestion = member.suggestion
            notify(
                user=member.user,
                kind=Kind.RESPOND_BY_NEARING,
                context={
                    "suggestion_id": suggestion.pk,
                    "venue_name": suggestion.venue.name,
                    "starts_at_local": local_time_label(suggestion.venue, suggestion.starts_at),
                    "respond_by_local": local_time_label(suggestion.venue, suggestion.respond_by),
                },
                idempotency_key=f"matching:respond-by:{suggestion.pk}:{member.user_id}",
                url=suggestion_url(suggestion.pk),
            )
            SuggestionMember.objects.filter(pk=member.pk).update(reminded_at=now)
    return len(members)


# --- Safety -----------------------------------------------------------------------------------
def _open_memberships() -> Q:
    """Memberships a person has not yet turned into a seat: any answer but a decline in a pending
    proposal, or no answer yet in a confirmed one (which they could still join)."""
    return Q(
        suggestion__status=Status.PENDING, response__in=[Response.PENDING, Response.ACCEPTED]
    ) | Q(suggestion__status=Status.CONFIRMED, response=Response.PENDING)


def _withdraw(member: SuggestionMember, now: datetime, reason: str) -> bool:
    suggestion = _lock(member.suggestion)
    member.refresh_from_db()
    open_now = member.response == Response.PENDING or (
        member.response == Response.ACCEPTED and suggestion.status == Status.PENDING
    )
    if not open_now or suggestion.status in CLOSED:
        return False
    member.response = Response.WITHDRAWN
    member.responded_at = now
    member.save(update_fields=["response", "responded_at"])
    _cancel_if_hopeless(suggestion, now, reason)
    return True


@transaction.atomic
def suggestions_withdraw_user(*, user: User, reason: str) -> int:
    """Take `user` out of every proposal they have not joined yet (suspension, ban, account
    deletion); proposals that can no longer happen are cancelled. Seats already taken in
    confirmed meetups are the events app's (it frees them on the same signals). Returns how
    many memberships were withdrawn; running it again finds nothing."""
    now = timezone.now()
    members = list(
        SuggestionMember.objects.filter(_open_memberships(), user=user)
        .select_related("suggestion")
        .order_by("suggestion_id")
    )
    return sum(_withdraw(member, now, reason) for member in members)


@transaction.atomic
def suggestions_withdraw_pair(*, blocker: User, blocked: User) -> int:
    """After a block: in every open proposal holding both, one of them leaves. The blocked person
    leaves, unless they already have a seat in the confirmed meetup, in which case the
    blocker's pending place goes. Returns how many memberships were withdrawn."""
    now = timezone.now()
    shared = (
        SuggestionMember.objects.filter(_open_memberships(), user=blocker)
        .filter(suggestion__members__user=blocked)
        .values_list("suggestion_id", flat=True)
    )
    withdrawn = 0
    for suggestion_id in sorted(set(shared)):
        rows = {
            m.user_id: m
            for m in SuggestionMember.objects.filter(
                suggestion_id=suggestion_id, user__in=[blocker, blocked]
            ).select_related("suggestion")
        }
        leaving = rows[blocked.pk]
        if leaving.response == Response.ACCEPTED and leaving.suggestion.status == Status.CONFIRMED:
            leaving = rows[blocker.pk]
        withdrawn += _withdraw(leaving, now, "The group changed.")
    return withdrawn
