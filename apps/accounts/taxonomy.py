"""The interest taxonomy file and its loader (used by the data migration and by tests that
flush the database)."""

import json
from pathlib import Path
from typing import Any

from django.utils.text import slugify

DATA = Path(__file__).resolve().parent / "data" / "interests.json"


def interest_slug(name: str) -> str:
    return slugify(name.replace("&", "and").replace("+", " plus"))


def load_taxonomy(category_model: Any, interest_model: Any) -> int:
    """Create or update every category and interest from the file; returns the interest count.

    Takes the model classes so the migration can pass its historical models.
    """
    taxonomy = json.loads(DATA.read_text(encoding="utf-8"))
    count = 0
    for position, entry in enumerate(taxonomy["categories"]):
        category, _ = category_model.objects.update_or_create(
            slug=entry["slug"], defaults={"name": entry["name"], "position": position}
        )
        for name in entry["interests"]:
            interest_model.objects.update_or_create(
                slug=interest_slug(name), defaults={"name": name, "category": category}
            )
            count += 1
    return count
