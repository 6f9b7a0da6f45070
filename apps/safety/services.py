"""Writes on blocks, reports and moderation. The web views, the API and the admin's moderation
queue all go through these.

Every moderator action (`user_suspend`, `user_ban`, `user_unsuspend`, `user_warn`,
`report_dismiss`) writes its `ModerationAction` line in the same transaction as the change, and
sends its signal there too (see `apps.safety.signals`), so the audit log, the account state and
what the higher apps do about it commit together or not at all.
"""

from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.safety import signals
from apps.safety.errors import (
    AlreadyBanned,
    CannotBlockSelf,
    CannotModerateSelf,
    CannotReportSelf,
    EventNotFound,
    NotAModerator,
    NotBlocked,
    PersonNotFound,
    ReportAlreadyActioned,
    ReportTargetRequired,
)
from apps.safety.models import AccountStatus, Block, ModerationAction, Report
from apps.safety.selectors import restriction_cache_clear

# Field names an events app may use for the person who organises an event, in order of preference.
EVENT_ORGANIZER_FIELDS = ("organizer", "created_by", "creator", "owner", "host")
# Ids are 64-bit in the database: a larger number names nothing (and must not reach SQL).
MAX_ID = 2**63 - 1


# --- Blocks ---------------------------------------------------------------------------------
def _person(user_id: int, *, attr: str = "user_id") -> User:
    user = User.objects.filter(pk=user_id).first() if 0 < user_id <= MAX_ID else None
    if user is None:
        raise PersonNotFound(attr=attr)
    return user


@transaction.atomic
def block_create(*, blocker: User, blocked_id: int) -> Block:
    """Block a person. Blocking someone already blocked returns the existing block unchanged
    (a retried request is harmless); `user_blocked` is sent only for a new block."""
    if blocked_id == blocker.pk:
        raise CannotBlockSelf(attr="user_id")
    blocked = _person(blocked_id)
    # get_or_create survives two identical requests racing: the unique pair decides.
    block, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    if created:
        signals.user_blocked.send(sender=Block, blocker=blocker, blocked=blocked)
    return block


@transaction.atomic
def block_delete(*, blocker: User, blocked_id: int) -> None:
    """Lift a block the caller made. Only the blocker can; nothing to lift is `NotBlocked`."""
    deleted = 0
    if 0 < blocked_id <= MAX_ID:
        deleted, _ = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    if not deleted:
        raise NotBlocked(attr="user_id")


# --- Reports --------------------------------------------------------------------------------
def _event_organizer_id(event_id: int, reporter: User) -> int | None:
    """The organizer of event `event_id`, found without importing the events app (it sits
    above safety). None when no events model exists yet or it names no organizer; an event
    id the model does not know, or one the reporter may not see (someone else's private
    meetup: its existence is not revealed), is `EventNotFound`."""
    try:
        event_model = apps.get_model("events", "Event")
    except LookupError:
        return None
    if not 0 < event_id <= MAX_ID:
        raise EventNotFound(attr="event_id")
    organizer_field = None
    for name in EVENT_ORGANIZER_FIELDS:
        try:
            field = event_model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.ForeignKey):
            organizer_field = field
            break
    events = event_model._default_manager.all()
    if hasattr(events, "visible_to"):
        events = events.visible_to(reporter)
    events = events.filter(pk=event_id)
    if organizer_field is None:
        if not events.exists():
            raise EventNotFound(attr="event_id")
        return None
    row = events.values_list("pk", organizer_field.attname).first()
    if row is None:
        raise EventNotFound(attr="event_id")
    return row[1]


@transaction.atomic
def report_create(
    *,
    reporter: User,
    reason: str,
    details: str = "",
    user_id: int | None = None,
    event_id: int | None = None,
) -> Report:
    """Tell the moderators about a person (`user_id`) or an event (`event_id`), exactly one.

    A report about an event is also filed against its organizer, so the moderation queue can
    act on the person. Sending the very same report again while it is open returns the first
    one (a retried request files nothing new).
    """
    if (user_id is None) == (event_id is None):
        raise ReportTargetRequired()
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": ValidationError("Unknown reason.", code="invalid_choice")})
    details = (details or "").strip()
    if len(details) > Report.DETAILS_MAX_LENGTH:
        raise ValidationError(
            {"details": ValidationError("The details are too long.", code="max_length")}
        )
    if user_id is not None:
        if user_id == reporter.pk:
            raise CannotReportSelf(attr="user_id")
        reported_id: int | None = _person(user_id).pk
        kind = Report.Target.USER
    else:
        reported_id = _event_organizer_id(int(event_id or 0), reporter)
        if reported_id == reporter.pk:
            raise CannotReportSelf(attr="event_id")
        kind = Report.Target.EVENT
    fields: dict[str, Any] = {
        "reporter": reporter,
        "target_kind": kind,
        "reported_user_id": reported_id,
        "event_id": event_id,
        "reason": reason,
        "details": details,
    }
    existing = Report.objects.filter(status=Report.Status.OPEN, **fields).first()
    if existing is not None:
        return existing
    return Report.objects.create(**fields)


# --- Moderation -----------------------------------------------------------------------------
def _check_moderator(moderator: User | None, target: User) -> None:
    if moderator is None:
        return
    if not moderator.is_staff:
        raise NotAModerator()
    if moderator.pk == target.pk:
        raise CannotModerateSelf()


def _log(
    *,
    action: str,
    moderator: User | None,
    target: User | None,
    report: Report | None,
    note: str,
    suspended_until: datetime | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        action=action,
        moderator=moderator,
        target_user=target,
        target_user_ref=target.pk if target else None,
        report=report,
        note=note.strip(),
        suspended_until=suspended_until,
    )


def _close_report(report: Report | None, *, status: str, moderator: User | None) -> None:
    if report is None or report.status != Report.Status.OPEN:
        return
    report.status = status
    report.handled_by = moderator
    report.handled_at = timezone.now()
    report.save(update_fields=["status", "handled_by", "handled_at", "updated_at"])


def _locked_status(user: User) -> AccountStatus:
    AccountStatus.objects.get_or_create(user=user)
    return AccountStatus.objects.select_for_update().get(user=user)


def _state_changed(user: User) -> None:
    # Clear now for readers inside this transaction, and after commit for a reader that cached
    # the old state in between.
    restriction_cache_clear(user_id=user.pk)
    transaction.on_commit(lambda: restriction_cache_clear(user_id=user.pk))


@transaction.atomic
def user_suspend(
    *,
    user: User,
    until: datetime,
    moderator: User | None,
    report: Report | None = None,
    note: str = "",
) -> AccountStatus:
    """Suspend `user` until `until`: no logging in, no tokens, no matching until then; open
    sessions and tokens are refused at their next use. A new suspension replaces the previous
    end date. Logged; sends `user_suspended`."""
    _check_moderator(moderator, user)
    if until <= timezone.now():
        raise ValidationError(
            {"until": ValidationError("A suspension must end in the future.", code="in_past")}
        )
    status = _locked_status(user)
    if status.banned_at is not None:
        raise AlreadyBanned()
    status.suspended_until = until
    status.save(update_fields=["suspended_until", "updated_at"])
    _log(
        action=ModerationAction.Action.SUSPEND,
        moderator=moderator,
        target=user,
        report=report,
        note=note,
        suspended_until=until,
    )
    _close_report(report, status=Report.Status.ACTIONED, moderator=moderator)
    _state_changed(user)
    signals.user_suspended.send(
        sender=AccountStatus, user=user, until=until, moderator=moderator, report=report
    )
    return status


@transaction.atomic
def user_ban(
    *, user: User, moderator: User | None, report: Report | None = None, note: str = ""
) -> AccountStatus:
    """Ban `user` until a moderator lifts it: the account is deactivated (`is_active=False`);
    sessions and tokens stop working at their next use. Logged; sends `user_banned`."""
    _check_moderator(moderator, user)
    status = _locked_status(user)
    if status.banned_at is None:
        status.banned_at = timezone.now()
    status.suspended_until = None
    status.save(update_fields=["banned_at", "suspended_until", "updated_at"])
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    _log(
        action=ModerationAction.Action.BAN,
        moderator=moderator,
        target=user,
        report=report,
        note=note,
    )
    _close_report(report, status=Report.Status.ACTIONED, moderator=moderator)
    _state_changed(user)
    signals.user_banned.send(sender=AccountStatus, user=user, moderator=moderator, report=report)
    return status


@transaction.atomic
def user_unsuspend(*, user: User, moderator: User | None, note: str = "") -> AccountStatus:
    """Lift a suspension or a ban: the person can log in again. Lifting nothing changes and logs
    nothing. Logged; sends `user_unsuspended`."""
    _check_moderator(moderator, user)
    status = _locked_status(user)
    was_banned = status.banned_at is not None
    if not was_banned and status.suspended_until is None:
        return status
    status.banned_at = None
    status.suspended_until = None
    status.save(update_fields=["banned_at", "suspended_until", "updated_at"])
    if was_banned:
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
    _log(
        action=ModerationAction.Action.UNSUSPEND,
        moderator=moderator,
        target=user,
        report=None,
        note=note,
    )
    _state_changed(user)
    signals.user_unsuspended.send(sender=AccountStatus, user=user, moderator=moderator)
    return status


@transaction.atomic
def user_warn(
    *, user: User, moderator: User | None, report: Report | None = None, note: str = ""
) -> ModerationAction:
    """Record a warning (the report counts as acted on). Logged; sends `user_warned`, on which
    the notifications app may tell the person `note`."""
    _check_moderator(moderator, user)
    action = _log(
        action=ModerationAction.Action.WARN,
        moderator=moderator,
        target=user,
        report=report,
        note=note,
    )
    _close_report(report, status=Report.Status.ACTIONED, moderator=moderator)
    signals.user_warned.send(
        sender=ModerationAction, user=user, moderator=moderator, report=report, note=note
    )
    return action


@transaction.atomic
def report_dismiss(*, report: Report, moderator: User | None, note: str = "") -> Report:
    """Close a report without action. Dismissing a dismissed report changes and logs nothing;
    a report already acted on cannot be dismissed."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if moderator is not None and not moderator.is_staff:
        raise NotAModerator()
    if report.status == Report.Status.DISMISSED:
        return report
    if report.status == Report.Status.ACTIONED:
        raise ReportAlreadyActioned()
    _close_report(report, status=Report.Status.DISMISSED, moderator=moderator)
    _log(
        action=ModerationAction.Action.DISMISS,
        moderator=moderator,
        target=report.reported_user,
        report=report,
        note=note,
    )
    return report
