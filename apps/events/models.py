"""Events people meet at: public meetups anyone can join, and private meetups the matching
engine makes for a group. An `Rsvp` is one person's answer; seats are counted on the event
(`going_count`), changed only while the event row is locked, and the database refuses a count
above the capacity, so no race can overbook.

Times are stored in UTC and always shown in the venue's local time (`venue.timezone`).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from apps.core.models import TimeStampedModel

MIN_CAPACITY = 2
MAX_CAPACITY = 50


class EventQuerySet(models.QuerySet["Event"]):
    def scheduled(self) -> "EventQuerySet":
        return self.filter(status=Event.Status.SCHEDULED)

    def public(self) -> "EventQuerySet":
        return self.filter(visibility=Event.Visibility.PUBLIC)

    def upcoming(self) -> "EventQuerySet":
        return self.filter(starts_at__gt=timezone.now())

    def visible_to(self, user: object) -> "EventQuerySet":
        """Any public event, and the private meetups `user` is (or was) part of."""
        public = Q(visibility=Event.Visibility.PUBLIC)
        if user is None or not getattr(user, "is_authenticated", False):
            return self.filter(public)
        member = Rsvp.objects.filter(event=OuterRef("pk"), user_id=user.pk)  # type: ignore[attr-defined]
        return self.filter(public | Q(Exists(member)))


class Event(TimeStampedModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        CANCELLED = "cancelled"
        COMPLETED = "completed"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public: anyone can find and join it"
        PRIVATE = "private", "Private: a meetup matching made for its members"

    TITLE_MAX_LENGTH = 120
    DESCRIPTION_MAX_LENGTH = 2000

    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    venue = models.ForeignKey("venues.Venue", on_delete=models.PROTECT, related_name="events")
    # Null for the private meetups matching creates, and once an organizer's account is gone.
    # Safety's Report finds an event's organizer by this field name.
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organized_events",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(default=6)
    # People going; changed only under the event's row lock (services.rsvp_join/rsvp_cancel).
    going_count = models.PositiveSmallIntegerField(default=0)
    interests = models.ManyToManyField("accounts.Interest", related_name="events", blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.SCHEDULED)
    visibility = models.CharField(max_length=8, choices=Visibility, default=Visibility.PUBLIC)
    # Bumped by every change attendees should hear about: iCalendar SEQUENCE, and the
    # idempotency key of the "event changed" notification.
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=MIN_CAPACITY) & Q(capacity__lte=MAX_CAPACITY),
                name="event_capacity_2_to_50",
            ),
            models.CheckConstraint(
                condition=Q(going_count__lte=F("capacity")), name="event_going_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled", "completed"]),
                name="event_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "private"]), name="event_visibility_valid"
            ),
        ]
        indexes = [
            # Browsing: the venues near a point come from the venues' GiST index; their
            # upcoming public events from this one.
            models.Index(
                fields=["venue", "starts_at"],
                name="event_open_venue_starts_idx",
                condition=Q(status="scheduled", visibility="public"),
            ),
            models.Index(fields=["organizer", "starts_at"], name="event_organizer_starts_idx"),
            models.Index(fields=["status", "starts_at"], name="event_status_starts_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M} UTC)"

    @property
    def spots_left(self) -> int:
        return max(0, self.capacity - self.going_count)

    @property
    def is_private(self) -> bool:
        return self.visibility == self.Visibility.PRIVATE


class RsvpQuerySet(models.QuerySet["Rsvp"]):
    def active(self) -> "RsvpQuerySet":
        return self.filter(status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITLISTED])

    def waitlist(self) -> "RsvpQuerySet":
        """Waitlisted answers, first come first served."""
        return self.filter(status=Rsvp.Status.WAITLISTED).order_by("waitlisted_at", "pk")


class Rsvp(TimeStampedModel):
    """One person's answer to one event. Leaving and coming back reuses the row (and puts the
    person at the end of the waitlist)."""

    class Status(models.TextChoices):
        GOING = "going"
        WAITLISTED = "waitlisted"
        CANCELLED = "cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps"
    )
    status = models.CharField(max_length=12, choices=Status)
    # When the person last got a seat / last joined the waitlist (the waitlist's FIFO order).
    joined_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = RsvpQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="rsvp_event_user_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["going", "waitlisted", "cancelled"]),
                name="rsvp_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="waitlisted") | Q(waitlisted_at__isnull=False),
                name="rsvp_waitlisted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "waitlisted_at"], name="rsvp_event_status_idx"),
            models.Index(fields=["user", "status"], name="rsvp_user_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → event {self.event_id}: {self.status}"


class Feedback(TimeStampedModel):
    """One person's answer after an event they were going to: once per person per event.

    Whom they would meet again and whom they missed are rows of their own (`MeetAgain`,
    `NoShowReport`), so that "both said yes" and "reported by several" are index lookups."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feedback"
    )
    attended = models.BooleanField()
    venue_rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="feedback_once_per_event"),
            models.CheckConstraint(
                condition=Q(venue_rating__isnull=True)
                | (Q(venue_rating__gte=1) & Q(venue_rating__lte=5)),
                name="feedback_venue_rating_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="feedback_user_idx")]

    def __str__(self) -> str:
        return f"Feedback of {self.user_id} on event {self.event_id}"


class MeetAgain(models.Model):
    """`user` would meet `other` again, after `event`. Mutual pairs become a `Connection`."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "other"], name="meet_again_once"),
            models.CheckConstraint(condition=~Q(user=F("other")), name="meet_again_not_self"),
        ]
        # The reverse question ("did they say it about me?") reads this index.
        indexes = [models.Index(fields=["event", "other", "user"], name="meet_again_other_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} would meet {self.other_id} again (event {self.event_id})"


class NoShowReport(models.Model):
    """`reporter` says `reported` did not come to `event`. Counted once per reported person and
    event, however many people reported it. The reporter is forgotten when their account goes
    (the reported person's record stays: it is about them)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="no_show_reports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "reporter", "reported"], name="no_show_report_once"
            ),
            models.CheckConstraint(
                condition=~Q(reporter=F("reported")), name="no_show_report_not_self"
            ),
        ]
        indexes = [models.Index(fields=["reported", "event"], name="no_show_reported_idx")]

    def __str__(self) -> str:
        return f"{self.reporter_id} reported {self.reported_id} missing (event {self.event_id})"


class ConnectionQuerySet(models.QuerySet["Connection"]):
    def involving(self, user_id: int) -> "ConnectionQuerySet":
        return self.filter(Q(user_low_id=user_id) | Q(user_high_id=user_id))


class Connection(TimeStampedModel):
    """Two people who both said "meet again" about each other after the same event: each may
    see the other's contact. One row per pair (`user_low` < `user_high`), made at the first
    event where it became mutual (`event`)."""

    user_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    user_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="connections")

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_low", "user_high"], name="connection_pair_once"),
            models.CheckConstraint(
                condition=Q(user_low__lt=F("user_high")), name="connection_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["user_high", "user_low"], name="connection_high_idx")]

    def __str__(self) -> str:
        return f"Connection {self.user_low_id} ↔ {self.user_high_id}"

    def other_id(self, user_id: int) -> int:
        return self.user_high_id if self.user_low_id == user_id else self.user_low_id


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(TimeStampedModel):
    """A person's secret iCalendar feed: whoever has the URL sees their upcoming events, so the
    token is long and random, and can be replaced (the old URL then stops working)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
