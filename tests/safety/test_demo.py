import pytest

from apps.accounts.demo import DEMO_EMAIL, seed_people
from apps.safety.demo import seed_safety
from apps.safety.models import Block, ModerationAction, Report

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_moderation_queue_and_the_demo_blocks_someone() -> None:
    seed_people(count=80)

    counts = seed_safety()

    assert counts == {"blocks": 1, "reports": 4}
    assert Block.objects.get().blocker.email == DEMO_EMAIL
    assert Report.objects.filter(status="open").count() == 3
    assert list(ModerationAction.objects.values_list("action", flat=True)) == ["dismiss"]
