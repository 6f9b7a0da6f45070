"""Matching rounds and the proposals they make.

A `Round` is one run of the engine over one region and one window of time (e.g. the next 7
days in two-hour slots). It is unique per `(region, window_start)`, so a redelivered task finds
its row and stops; it records what the engine did (participants, matched, groups, shared
interests, trips, runtime) for the admin.

A `Suggestion` is one proposal of a round: these people, this venue, this time, because they
share these interests. Each person's answer is a `SuggestionMember`. A suggestion is
`confirmed` when all of a pair, or at least three of a group, accepted before `respond_by`: a
private meetup (`event`) then exists with them going. Nothing here is shown to other people
except through the selectors, which apply the privacy rule.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.core.models import TimeStampedModel

PAIR = 2
GROUP_QUORUM = 3


class Round(TimeStampedModel):
    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Mode(models.TextChoices):
        IN_PROCESS = "in_process", "In this process"
        DISTRIBUTED = "distributed", "Celery chord (one task per cell)"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule"
        COMMAND = "command"
        DEMO = "demo"

    region = models.ForeignKey(
        "venues.Region", on_delete=models.PROTECT, related_name="matching_rounds"
    )
    window_start = models.DateTimeField(help_text="Start of the first slot (UTC).")
    window_end = models.DateTimeField(help_text="No slot ends after this.")
    # Slot k is [window_start + k * slot_step, … + slot_length): kept on the row so the indices
    # the engine returned mean the same times whatever the settings are later.
    slot_step = models.DurationField()
    slot_length = models.DurationField()
    status = models.CharField(max_length=16, choices=Status, default=Status.RUNNING)
    mode = models.CharField(max_length=16, choices=Mode, default=Mode.IN_PROCESS)
    trigger = models.CharField(max_length=16, choices=Trigger, default=Trigger.COMMAND)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # Whoever runs the round holds it until then; a stale lease means the run died.
    lease_until = models.DateTimeField()

    # What the engine did (filled when the round is saved).
    participants = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    groups = models.PositiveIntegerField(default=0)
    mean_shared_interests = models.FloatField(default=0.0)
    mean_trip_km = models.FloatField(default=0.0)
    max_trip_km = models.FloatField(default=0.0)
    objective = models.FloatField(default=0.0)
    cells = models.PositiveIntegerField(default=0)
    venues = models.PositiveIntegerField(default=0, help_text="Venues open in some slot.")
    slots = models.PositiveIntegerField(default=0)
    dropped_for_venue_capacity = models.PositiveIntegerField(default=0)
    dropped_at_save = models.PositiveIntegerField(
        default=0,
        help_text="Groups not proposed because a member stopped being eligible while the "
        "engine ran (suspended, blocked, paused, deleted, or proposed elsewhere).",
    )
    input_seconds = models.FloatField(default=0.0, help_text="Reading the database.")
    engine_seconds = models.FloatField(default=0.0)
    save_seconds = models.FloatField(default=0.0)
    runtime_seconds = models.FloatField(default=0.0, help_text="From start to saved.")
    error = models.TextField(blank=True)
    # The engine's input while a distributed round runs (zlib-compressed JSON), so the merge
    # works on exactly what the cells solved; cleared once the round is saved (it holds homes).
    problem = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-window_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "window_start"], name="round_region_window_unique"
            ),
            models.CheckConstraint(
                condition=Q(window_end__gt=F("window_start")), name="round_window_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["running", "done", "failed"]), name="round_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(matched__lte=F("participants")), name="round_matched_lte_participants"
            ),
            models.CheckConstraint(
                condition=Q(status="running") | Q(finished_at__isnull=False),
                name="round_finished_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} from {self.window_start:%Y-%m-%d %H:%M} UTC ({self.status})"

    @property
    def match_rate(self) -> float:
        return self.matched / self.participants if self.participants else 0.0


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def pending(self) -> "SuggestionQuerySet":
        return self.filter(status=Suggestion.Status.PENDING)


class Suggestion(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        EXPIRED = "expired"
        CANCELLED = "cancelled"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="suggestions")
    venue = models.ForeignKey("venues.Venue", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    respond_by = models.DateTimeField()
    size = models.PositiveSmallIntegerField(help_text="People proposed (2 = a pair).")
    why = models.CharField(max_length=300)
    score = models.FloatField()
    # Interest ids every member holds, rarest first (the "why"). JSON lists rather than arrays:
    # PostgreSQL bulk inserts of JSON columns go through UNNEST (one short statement), array
    # columns do not (a 10,000-person round saves in 1.8 s instead of 4.5 s).
    shared_interest_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    event = models.ForeignKey(
        "events.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text="The private meetup, once confirmed.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Expired or cancelled.")
    close_reason = models.CharField(max_length=200, blank=True)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="suggestion_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(respond_by__lte=F("starts_at")),
                name="suggestion_respond_before_start",
            ),
            models.CheckConstraint(
                condition=Q(size__gte=2) & Q(size__lte=6), name="suggestion_size_2_to_6"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "expired", "cancelled"]),
                name="suggestion_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(event__isnull=True) | Q(status="confirmed"),
                name="suggestion_event_only_when_confirmed",
            ),
            models.CheckConstraint(
                condition=Q(status="confirmed", confirmed_at__isnull=False)
                | (~Q(status="confirmed") & Q(confirmed_at__isnull=True)),
                name="suggestion_confirmed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["expired", "cancelled"]) | Q(closed_at__isnull=False),
                name="suggestion_closed_has_time",
            ),
        ]
        indexes = [
            # The periodic scans: pending ones due to expire or to be reminded.
            models.Index(
                fields=["respond_by"],
                name="suggestion_pending_respond_idx",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["status", "respond_by"], name="suggestion_status_respond_idx"),
        ]

    def __str__(self) -> str:
        return f"Suggestion {self.pk}: {self.size} people at venue {self.venue_id} ({self.status})"

    @property
    def is_pair(self) -> bool:
        return self.size == PAIR


class SuggestionMember(models.Model):
    """One person's part in a suggestion and their answer.

    `withdrawn`: taken out by safety (suspended, banned, blocked) or account deletion; the
    person no longer sees the suggestion and the others no longer see them.
    """

    class Response(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        DECLINED = "declined"
        WITHDRAWN = "withdrawn"

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="members")
    # Denormalised from the suggestion so the database enforces one proposal per person and round.
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestion_memberships"
    )
    response = models.CharField(max_length=16, choices=Response, default=Response.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)
    # This person's interest ids (at proposal time) that someone else in the group holds too:
    # what two members share is the intersection of their two lists.
    shared_interest_ids = models.JSONField(default=list, blank=True)
    # Their own trip to the venue, for the round's statistics; shown to nobody else.
    trip_km = models.FloatField(default=0.0)
    # When the "new proposal" and "respond-by nearing" notifications were handed to notify()
    # (which drops repeats by key anyway): the scans skip people already told.
    notified_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["suggestion_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "user"], name="suggestion_member_unique"),
            models.UniqueConstraint(
                fields=["round", "user"], name="suggestion_member_one_per_round"
            ),
            models.CheckConstraint(
                condition=Q(response__in=["pending", "accepted", "declined", "withdrawn"]),
                name="suggestion_member_response_valid",
            ),
            models.CheckConstraint(
                condition=Q(response="pending") | Q(responded_at__isnull=False),
                name="suggestion_member_answer_has_time",
            ),
            models.CheckConstraint(
                condition=Q(response="declined") | Q(decline_reason=""),
                name="suggestion_member_reason_only_when_declined",
            ),
        ]
        indexes = [models.Index(fields=["user", "response"], name="suggestion_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in suggestion {self.suggestion_id}: {self.response}"
