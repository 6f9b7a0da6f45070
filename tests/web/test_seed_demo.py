"""`manage.py seed_demo` loads the Munich demo once; running it again changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.accounts.demo import DEMO_EMAIL
from apps.accounts.models import Profile, User

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_loads_people_with_complete_profiles_and_a_demo_account() -> None:
    seed()

    demo = User.objects.get(email=DEMO_EMAIL)
    assert demo.check_password("meet-people-2026")
    assert Profile.objects.filter(onboarded_at__isnull=False, home__isnull=False).count() >= 300
    assert Profile.objects.filter(interests__isnull=False).distinct().count() >= 300


def test_seed_demo_twice_changes_nothing() -> None:
    seed()
    users = User.objects.count()

    output = seed()

    assert "already present" in output
    assert User.objects.count() == users


def test_if_empty_leaves_a_database_with_users_alone(alice: User) -> None:
    output = seed("--if-empty")

    assert "not loading demo data" in output
    assert not User.objects.filter(email=DEMO_EMAIL).exists()
