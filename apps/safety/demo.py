"""Demo moderation data for `manage.py seed_demo`: the demo account has blocked someone, and
the admin's moderation queue holds a few reports (one already dismissed, so the audit log is
not empty). Runs after the people step; made through the services, like real use."""

from django.db import transaction

from apps.accounts.demo import ADMIN_EMAIL, DEMO_EMAIL
from apps.accounts.models import User
from apps.safety import services

DEMO_REPORTS = [
    (
        "person0003",
        "person0011",
        "harassment",
        "Kept messaging me after the meetup, even after I said no.",
    ),
    ("person0024", "person0011", "unsafe", "Asked where I live, twice, and would not drop it."),
    ("person0042", "person0057", "no_show", "Accepted three meetups and never came."),
    ("person0060", "person0071", "spam", "Tried to sell us supplements at the café."),
]


def _person(local: str) -> User:
    return User.objects.get(email=f"{local}@demo.matchup.example")


@transaction.atomic
def seed_safety() -> dict[str, int]:
    demo = User.objects.get(email=DEMO_EMAIL)
    moderator = User.objects.get(email=ADMIN_EMAIL)
    services.block_create(blocker=demo, blocked_id=_person("person0005").pk)
    reports = [
        services.report_create(
            reporter=_person(reporter), user_id=_person(reported).pk, reason=reason, details=text
        )
        for reporter, reported, reason, text in DEMO_REPORTS
    ]
    services.report_dismiss(
        report=reports[-1], moderator=moderator, note="Talked to both; a misunderstanding."
    )
    return {"blocks": 1, "reports": len(reports)}
