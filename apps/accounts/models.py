from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from apps.core.models import TimeStampedModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person's account. Email is the login; everything else about them is on Profile."""

    # Stored lower-cased; the functional index also refuses case variants written around the ORM.
    email = models.EmailField(max_length=254, unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class InterestCategory(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "interest categories"

    def __str__(self) -> str:
        return self.name


class Interest(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80)
    category = models.ForeignKey(
        InterestCategory, on_delete=models.PROTECT, related_name="interests"
    )

    class Meta:
        ordering = ["category__position", "name"]

    def __str__(self) -> str:
        return self.name


def default_reminder_hours() -> list[int]:
    return [24, 2]


class Profile(TimeStampedModel):
    """Who a person is and when they are free. `home` is shown to nobody but its owner."""

    class GroupSize(models.TextChoices):
        PAIR = "pair", "Just one other person"
        GROUP = "group", "A small group (3–6)"
        ANY = "any", "Either"

    MIN_TRAVEL_KM = 0.5
    MAX_TRAVEL_KM = 50.0
    MIN_AGE = 18

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=50)
    bio = models.TextField(max_length=500, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    interests = models.ManyToManyField(Interest, related_name="profiles", blank=True)
    home = models.PointField(geography=True, srid=4326, null=True, blank=True)
    area_label = models.CharField(max_length=300, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    max_travel_km = models.FloatField(default=5.0)
    venue_kinds = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    group_size = models.CharField(max_length=8, choices=GroupSize, default=GroupSize.ANY)
    # [{"weekday": 0-6 (Monday=0), "start": "HH:MM", "end": "HH:MM"}], in the person's timezone.
    availability = models.JSONField(default=list, blank=True)
    languages = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    open_to_meet = models.BooleanField(default=True)
    notify_email = models.BooleanField(default=True)
    notify_push = models.BooleanField(default=True)
    reminder_hours = ArrayField(
        models.PositiveSmallIntegerField(), default=default_reminder_hours, blank=True
    )
    # Optional preferences and state used by matching and safety.
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    matching_paused_until = models.DateTimeField(null=True, blank=True)
    contact = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shown only to people you both chose to meet again (defaults to your email).",
    )
    onboarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_travel_km__gte=0.5) & Q(max_travel_km__lte=50),
                name="profile_max_travel_km_range",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900),
                name="profile_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(group_size__in=["pair", "group", "any"]),
                name="profile_group_size_valid",
            ),
        ]
        indexes = [models.Index(fields=["open_to_meet"], name="profile_open_to_meet_idx")]

    def __str__(self) -> str:
        return self.display_name
