"""Demo matching for `manage.py seed_demo`: one round on Munich, in this process, so the demo
account opens the app to a pending proposal. Later rounds come from the worker and beat of
`make run` (daily, `matching.schedule_rounds`) or `manage.py run_matching --region munich`.
"""

from apps.accounts.demo import DEMO_EMAIL
from apps.accounts.models import User
from apps.matching.models import Round, SuggestionMember
from apps.matching.services import round_execute
from apps.venues.models import Region

# The demo account's week: free most evenings and weekend afternoons, so a round always finds
# it a time (seed_people draws availability at random).
DEMO_AVAILABILITY = [
    *({"weekday": day, "start": "17:00", "end": "22:00"} for day in range(5)),
    *({"weekday": day, "start": "11:00", "end": "20:00"} for day in (5, 6)),
]


def seed_matching() -> dict[str, int]:
    region = Region.objects.get(slug="munich")
    demo = User.objects.select_related("profile").get(email=DEMO_EMAIL)
    profile = demo.profile
    # Eligible for sure: verified email and home come from seed_people; open to meet, no pause,
    # a broad week, the common kinds of place and languages most demo people speak.
    profile.open_to_meet = True
    profile.matching_paused_until = None
    profile.availability = DEMO_AVAILABILITY
    profile.venue_kinds = sorted({*profile.venue_kinds, "cafe", "bar"})
    profile.languages = sorted({*profile.languages, "de", "en"})
    profile.max_travel_km = max(profile.max_travel_km, 5.0)
    profile.save()
    round_ = round_execute(region=region, trigger=Round.Trigger.DEMO)
    return {
        "participants": round_.participants,
        "matched": round_.matched,
        "suggestions": round_.groups,
        "for the demo account": SuggestionMember.objects.filter(round=round_, user=demo).count(),
    }
