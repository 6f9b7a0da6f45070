"""Blocks, reports and moderation through the services and selectors other apps call."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Profile, User
from apps.safety import selectors, services, signals
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
from tests.factories.accounts import ProfileFactory
from tests.factories.safety import BlockFactory, ReportFactory

pytestmark = pytest.mark.django_db


# --- Blocks -----------------------------------------------------------------------------------
def test_blocking_twice_keeps_one_block_and_announces_it_once(
    alice: User, bob: User, received
) -> None:
    announced = received(signals.user_blocked)

    first = services.block_create(blocker=alice, blocked_id=bob.pk)
    second = services.block_create(blocker=alice, blocked_id=bob.pk)

    assert first.pk == second.pk
    assert Block.objects.count() == 1
    assert announced == [{"signal": signals.user_blocked, "blocker": alice, "blocked": bob}]


def test_nobody_can_block_themselves(alice: User) -> None:
    with pytest.raises(CannotBlockSelf):
        services.block_create(blocker=alice, blocked_id=alice.pk)


def test_blocking_an_unknown_person_is_not_found(alice: User) -> None:
    with pytest.raises(PersonNotFound):
        services.block_create(blocker=alice, blocked_id=999_999_999)
    with pytest.raises(PersonNotFound):
        services.block_create(blocker=alice, blocked_id=2**70)


def test_the_database_refuses_self_blocks_and_duplicates(alice: User, bob: User) -> None:
    Block.objects.create(blocker=alice, blocked=bob)

    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=alice, blocked=bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=alice, blocked=alice)


def test_unblocking_removes_only_the_callers_block(alice: User, bob: User, carol: User) -> None:
    BlockFactory(blocker=alice, blocked=carol)
    BlockFactory(blocker=bob, blocked=carol)

    services.block_delete(blocker=alice, blocked_id=carol.pk)

    assert list(Block.objects.values_list("blocker_id", "blocked_id")) == [(bob.pk, carol.pk)]
    with pytest.raises(NotBlocked):
        services.block_delete(blocker=alice, blocked_id=carol.pk)


def test_the_blocked_person_cannot_lift_the_block(alice: User, bob: User) -> None:
    BlockFactory(blocker=alice, blocked=bob)

    with pytest.raises(NotBlocked):
        services.block_delete(blocker=bob, blocked_id=alice.pk)

    assert selectors.is_blocked_between(alice.pk, bob.pk)


def test_blocks_work_in_both_directions(alice: User, bob: User, carol: User) -> None:
    dan = ProfileFactory().user
    BlockFactory(blocker=alice, blocked=bob)
    BlockFactory(blocker=carol, blocked=alice)

    assert selectors.blocked_user_ids(alice) == {bob.pk, carol.pk}
    assert selectors.blocked_user_ids(bob) == {alice.pk}
    assert selectors.blocked_user_ids(dan) == set()
    assert selectors.is_blocked_between(bob.pk, alice.pk)
    assert selectors.is_blocked_between(alice.pk, carol.pk)
    assert not selectors.is_blocked_between(bob.pk, carol.pk)


def test_blocked_pairs_among_a_group(alice: User, bob: User, carol: User) -> None:
    outsider = ProfileFactory().user
    BlockFactory(blocker=bob, blocked=alice)
    BlockFactory(blocker=carol, blocked=outsider)

    pairs = selectors.blocked_pairs_among([alice.pk, bob.pk, carol.pk])

    assert pairs == {(min(alice.pk, bob.pk), max(alice.pk, bob.pk))}
    assert selectors.blocked_pairs_among([alice.pk]) == set()


def test_blocked_user_ids_is_one_query(alice: User, django_assert_num_queries) -> None:
    for _ in range(3):
        BlockFactory(blocker=alice)
        BlockFactory(blocked=alice)

    with django_assert_num_queries(1):
        ids = selectors.blocked_user_ids(alice)

    assert len(ids) == 6


# --- Reports ----------------------------------------------------------------------------------
def test_reporting_a_person_files_an_open_report(alice: User, bob: User) -> None:
    report = services.report_create(
        reporter=alice, user_id=bob.pk, reason="harassment", details="  Rude at the café.  "
    )

    assert (report.target_kind, report.reported_user, report.event_id) == ("user", bob, None)
    assert (report.status, report.details, report.handled_at) == ("open", "Rude at the café.", None)


def test_a_retried_report_is_filed_once(alice: User, bob: User) -> None:
    first = services.report_create(reporter=alice, user_id=bob.pk, reason="spam", details="Ads")
    again = services.report_create(reporter=alice, user_id=bob.pk, reason="spam", details="Ads")
    other = services.report_create(reporter=alice, user_id=bob.pk, reason="spam", details="More")

    assert first.pk == again.pk != other.pk
    assert Report.objects.count() == 2


def test_a_report_names_exactly_one_target(alice: User, bob: User) -> None:
    with pytest.raises(ReportTargetRequired):
        services.report_create(reporter=alice, reason="spam")
    with pytest.raises(ReportTargetRequired):
        services.report_create(reporter=alice, reason="spam", user_id=bob.pk, event_id=1)


def test_nobody_can_report_themselves_or_unknown_people(alice: User) -> None:
    with pytest.raises(CannotReportSelf):
        services.report_create(reporter=alice, user_id=alice.pk, reason="spam")
    with pytest.raises(PersonNotFound):
        services.report_create(reporter=alice, user_id=999_999_999, reason="spam")


def test_an_unknown_reason_is_a_validation_error(alice: User, bob: User) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.report_create(reporter=alice, user_id=bob.pk, reason="boring")


def test_report_about_a_real_event_files_its_organizer(alice: User, bob: User) -> None:
    from tests.factories.events import EventFactory

    event = EventFactory(organizer=bob)
    report = services.report_create(reporter=alice, event_id=event.pk, reason="unsafe")

    assert (report.target_kind, report.event_id, report.reported_user) == ("event", event.pk, bob)


def test_a_matched_meetup_without_organizer_is_reported_to_nobody_in_particular(
    alice: User,
) -> None:
    from tests.factories.events import EventFactory, going

    event = EventFactory(organizer=None, visibility="private")
    going(event, alice)
    report = services.report_create(reporter=alice, event_id=event.pk, reason="unsafe")

    assert (report.event_id, report.reported_user) == (event.pk, None)


def test_someone_elses_private_meetup_cannot_be_reported_or_even_found(
    alice: User, bob: User
) -> None:
    from tests.factories.events import EventFactory, going

    event = EventFactory(organizer=None, visibility="private")
    going(event, bob)

    with pytest.raises(EventNotFound):
        services.report_create(reporter=alice, event_id=event.pk, reason="unsafe")
    assert not Report.objects.exists()


@pytest.fixture
def events_model_is_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand in for the events app (above safety, built separately): a model whose rows have an
    organizer foreign key. Profile has one called `user`."""
    from django.apps import apps as registry

    real_get_model = registry.get_model

    def get_model(app_label: str, model_name: str | None = None) -> object:
        if (app_label, model_name) == ("events", "Event"):
            return Profile
        return real_get_model(app_label, model_name)

    monkeypatch.setattr(services.apps, "get_model", get_model)
    monkeypatch.setattr(services, "EVENT_ORGANIZER_FIELDS", ("organizer", "user"))


def test_report_about_an_event_is_filed_against_its_organizer(
    alice: User, bob: User, events_model_is_profiles: None
) -> None:
    event_id = bob.profile.pk

    report = services.report_create(reporter=alice, event_id=event_id, reason="unsafe")

    assert (report.target_kind, report.event_id, report.reported_user) == ("event", event_id, bob)


def test_reporting_an_unknown_or_own_event(alice: User, events_model_is_profiles: None) -> None:
    with pytest.raises(EventNotFound):
        services.report_create(reporter=alice, event_id=999_999_999, reason="unsafe")
    with pytest.raises(CannotReportSelf):
        services.report_create(reporter=alice, event_id=alice.profile.pk, reason="unsafe")


def test_the_database_keeps_reports_consistent(alice: User, bob: User) -> None:
    bad_rows = [
        {"target_kind": "user", "reported_user": bob, "event_id": 7},
        {"target_kind": "event", "reported_user": bob, "event_id": None},
        {"target_kind": "user", "reported_user": alice},
        {"target_kind": "user", "reported_user": bob, "status": "dismissed"},
        {"target_kind": "user", "reported_user": bob, "reason": "boring"},
    ]
    for row in bad_rows:
        with pytest.raises(IntegrityError), transaction.atomic():
            Report.objects.create(**{"reporter": alice, "reason": "spam", **row})


def test_reports_outlive_the_accounts_they_mention(alice: User, bob: User) -> None:
    report = ReportFactory(reporter=alice, reported_user=bob)

    bob.delete()
    alice.delete()

    report.refresh_from_db()
    assert (report.reporter, report.reported_user, report.reason) == (None, None, "harassment")


# --- Moderation -------------------------------------------------------------------------------
def test_suspending_logs_closes_the_report_and_tells_the_apps_above(
    moderator: User, bob: User, received
) -> None:
    report = ReportFactory(reported_user=bob)
    until = timezone.now() + timedelta(days=7)
    suspended = received(signals.user_suspended)

    services.user_suspend(user=bob, until=until, moderator=moderator, report=report, note="Threats")

    assert selectors.user_is_restricted(bob)
    assert AccountStatus.objects.get(user=bob).suspended_until == until
    log = ModerationAction.objects.get()
    assert (log.action, log.moderator, log.target_user, log.report, log.note) == (
        "suspend",
        moderator,
        bob,
        report,
        "Threats",
    )
    assert log.suspended_until == until
    report.refresh_from_db()
    assert (report.status, report.handled_by) == ("actioned", moderator)
    assert report.handled_at is not None
    assert suspended == [
        {
            "signal": signals.user_suspended,
            "user": bob,
            "until": until,
            "moderator": moderator,
            "report": report,
        }
    ]


def test_a_suspension_ends_by_itself(moderator: User, bob: User) -> None:
    services.user_suspend(user=bob, until=timezone.now() + timedelta(days=7), moderator=moderator)

    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert not selectors.user_is_restricted(bob)
    assert selectors.user_is_restricted(bob)


def test_a_suspension_must_end_in_the_future(moderator: User, bob: User) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.user_suspend(user=bob, until=timezone.now(), moderator=moderator)
    assert not ModerationAction.objects.exists()


def test_banning_deactivates_the_account_until_lifted(moderator: User, bob: User, received) -> None:
    banned = received(signals.user_banned)
    lifted = received(signals.user_unsuspended)

    services.user_ban(user=bob, moderator=moderator, note="Repeated harassment")
    bob.refresh_from_db()
    restriction = selectors.user_restriction(user_id=bob.pk)

    assert bob.is_active is False
    assert restriction is not None
    assert restriction.code == "account_banned"
    assert [call["user"] for call in banned] == [bob]
    with pytest.raises(AlreadyBanned):
        services.user_suspend(
            user=bob, until=timezone.now() + timedelta(days=1), moderator=moderator
        )

    services.user_unsuspend(user=bob, moderator=moderator, note="Appeal accepted")
    bob.refresh_from_db()

    assert bob.is_active is True
    assert not selectors.user_is_restricted(bob)
    assert [call["user"] for call in lifted] == [bob]
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "ban",
        "unsuspend",
    ]


def test_lifting_nothing_changes_and_logs_nothing(moderator: User, bob: User) -> None:
    services.user_unsuspend(user=bob, moderator=moderator)

    assert not ModerationAction.objects.exists()


def test_dismissing_a_report(moderator: User) -> None:
    report = ReportFactory()

    services.report_dismiss(report=report, moderator=moderator, note="Misunderstanding")
    services.report_dismiss(report=report, moderator=moderator)

    report.refresh_from_db()
    assert (report.status, report.handled_by) == ("dismissed", moderator)
    log = ModerationAction.objects.get()
    assert (log.action, log.target_user, log.report) == ("dismiss", report.reported_user, report)
    assert not selectors.user_is_restricted(report.reported_user)


def test_a_report_acted_on_cannot_be_dismissed(moderator: User) -> None:
    report = ReportFactory()
    services.user_warn(
        user=report.reported_user, moderator=moderator, report=report, note="Be kind"
    )

    with pytest.raises(ReportAlreadyActioned):
        services.report_dismiss(report=report, moderator=moderator)

    assert list(ModerationAction.objects.values_list("action", flat=True)) == ["warn"]


def test_only_staff_moderate_and_never_themselves(moderator: User, alice: User, bob: User) -> None:
    with pytest.raises(NotAModerator):
        services.user_ban(user=bob, moderator=alice)
    with pytest.raises(NotAModerator):
        services.report_dismiss(report=ReportFactory(), moderator=alice)
    with pytest.raises(CannotModerateSelf):
        services.user_suspend(
            user=moderator, until=timezone.now() + timedelta(days=1), moderator=moderator
        )
    assert not ModerationAction.objects.exists()


def test_a_failing_receiver_rolls_the_whole_action_back(moderator: User, bob: User) -> None:
    def broken(sender: object, **kwargs: object) -> None:
        raise RuntimeError("events app failed")

    signals.user_banned.connect(broken, weak=False)
    try:
        with pytest.raises(RuntimeError):
            services.user_ban(user=bob, moderator=moderator)
    finally:
        signals.user_banned.disconnect(broken)

    bob.refresh_from_db()
    assert bob.is_active is True
    assert not ModerationAction.objects.exists()
    assert not selectors.user_is_restricted(bob)


def test_the_moderation_log_is_append_only(moderator: User, bob: User) -> None:
    entry = services.user_warn(user=bob, moderator=moderator, note="First warning")

    entry.note = "Rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        ModerationAction.objects.update(note="Rewritten")
    with pytest.raises(TypeError):
        ModerationAction.objects.all().delete()
    assert ModerationAction.objects.get().note == "First warning"


def test_the_log_keeps_the_account_id_after_the_account_is_gone(moderator: User, bob: User) -> None:
    bob_id = bob.pk
    services.user_warn(user=bob, moderator=moderator, note="Warning")

    bob.delete()

    entry = ModerationAction.objects.get()
    assert (entry.target_user, entry.target_user_ref) == (None, bob_id)


def test_restricted_user_ids_excludes_restricted_people(
    moderator: User, alice: User, bob: User, carol: User
) -> None:
    services.user_suspend(user=bob, until=timezone.now() + timedelta(days=1), moderator=moderator)
    services.user_ban(user=carol, moderator=moderator)
    past = ProfileFactory().user
    AccountStatus.objects.create(user=past, suspended_until=timezone.now() - timedelta(days=1))

    open_people = set(
        User.objects.filter(pk__in=[alice.pk, bob.pk, carol.pk, past.pk])
        .exclude(pk__in=selectors.restricted_user_ids())
        .values_list("pk", flat=True)
    )

    assert open_people == {alice.pk, past.pk}
