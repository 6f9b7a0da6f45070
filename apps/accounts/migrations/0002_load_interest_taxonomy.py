"""Load the interest taxonomy (apps/accounts/data/interests.json): ~150 interests, 12 categories.

Idempotent by slug, so re-running or adding interests to the file later only adds what is new.
"""

from django.db import migrations

from apps.accounts.taxonomy import load_taxonomy


def load(apps, schema_editor):
    load_taxonomy(apps.get_model("accounts", "InterestCategory"), apps.get_model("accounts", "Interest"))


def unload(apps, schema_editor):
    apps.get_model("accounts", "Interest").objects.all().delete()
    apps.get_model("accounts", "InterestCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
