"""Load the interest taxonomy (apps/accounts/data/interests.json): ~150 interests, 12 categories.

Idempotent by slug, so re-running or adding interests to the file later only adds what is new.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

DATA = Path(__file__).resolve().parent.parent / "data" / "interests.json"


def load(apps, schema_editor):
    InterestCategory = apps.get_model("accounts", "InterestCategory")
    Interest = apps.get_model("accounts", "Interest")
    taxonomy = json.loads(DATA.read_text(encoding="utf-8"))
    for position, entry in enumerate(taxonomy["categories"]):
        category, _ = InterestCategory.objects.update_or_create(
            slug=entry["slug"], defaults={"name": entry["name"], "position": position}
        )
        for name in entry["interests"]:
            Interest.objects.update_or_create(
                slug=slugify(name.replace("&", "and").replace("+", " plus")),
                defaults={"name": name, "category": category},
            )


def unload(apps, schema_editor):
    apps.get_model("accounts", "Interest").objects.all().delete()
    apps.get_model("accounts", "InterestCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
