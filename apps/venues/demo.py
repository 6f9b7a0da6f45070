"""Demo venues for `manage.py seed_demo`: Munich's real cafés and bars from OpenStreetMap.

The region reads the bundled file (apps/venues/data/venues_munich.geojson), so the worker's
scheduled refresh works offline too, and running the step again changes nothing.
"""

from datetime import timedelta

from apps.venues import services
from apps.venues.models import ImportRun, Region

MUNICH_FILE = "apps/venues/data/venues_munich.geojson"
MUNICH_BBOX = (48.05, 11.35, 48.26, 11.73)  # south, west, north, east: the file's extent


def seed_venues() -> dict[str, int]:
    region = Region.objects.filter(slug="munich").first()
    if region is None:
        region = services.region_create(
            name="Munich",
            bbox=MUNICH_BBOX,
            provider=Region.Provider.FILE,
            source_path=MUNICH_FILE,
            refresh_interval=timedelta(days=7),
        )
    run = services.region_refresh(region=region, trigger=ImportRun.Trigger.DEMO)
    return {"regions": 1, "venues created": run.created, "venues unchanged": run.unchanged}
