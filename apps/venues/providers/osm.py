"""OpenStreetMap tags → VenueRecord: which objects are venues of which kind, and their details.

Kind mapping (one place, used by every provider):

| OSM tags | kind |
|---|---|
| `amenity=cafe` + `cafe=board_game` or `theme=board_games` | board_game_cafe |
| `amenity=cafe` whose first `cuisine` is `tea` | tea_house |
| `amenity=cafe` | cafe (also when it is a bookshop too) |
| `amenity=bar`, `pub`, `biergarten` | bar |
| `amenity=library` | library |
| `shop=books` | bookstore |
"""

import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from apps.core.kinds import VenueKind
from apps.venues.providers.records import SkipFeature, VenueRecord

SOURCE = "osm"
OSM_TYPES = {
    "n": "node",
    "node": "node",
    "w": "way",
    "way": "way",
    "r": "relation",
    "relation": "relation",
}
AMENITY_KINDS = {
    "cafe": VenueKind.CAFE,
    "bar": VenueKind.BAR,
    "pub": VenueKind.BAR,
    "biergarten": VenueKind.BAR,
    "library": VenueKind.LIBRARY,
}
SHOP_KINDS = {"books": VenueKind.BOOKSTORE}
# What the Overpass query asks for; keep in step with the two maps above.
OVERPASS_SELECTORS = (
    '["amenity"~"^(' + "|".join(sorted(AMENITY_KINDS)) + ')$"]',
    '["shop"~"^(' + "|".join(sorted(SHOP_KINDS)) + ')$"]',
)

MAX_NAME = 200
MAX_ADDRESS = 300
MAX_HOURS = 500
MAX_URL = 500
MAX_PHONE = 64
KINDS = frozenset(VenueKind.values)
_url_validator = URLValidator(schemes=["http", "https"])


def kind_from_tags(tags: Mapping[str, Any]) -> str | None:
    amenity = str(tags.get("amenity") or "")
    if amenity == "cafe":
        if tags.get("cafe") == "board_game" or tags.get("theme") == "board_games":
            return VenueKind.BOARD_GAME_CAFE
        if str(tags.get("cuisine") or "").split(";")[0].strip() == "tea":
            return VenueKind.TEA_HOUSE
    if amenity in AMENITY_KINDS:
        return AMENITY_KINDS[amenity]
    shop = str(tags.get("shop") or "")
    return SHOP_KINDS.get(shop)


def external_id(osm_type: object, osm_id: object) -> str:
    """`("node", 42)` → `"node/42"`; anything else is a feature without a usable id."""
    kind = OSM_TYPES.get(str(osm_type or "").strip().lower())
    try:
        number = int(str(osm_id))
    except ValueError:
        number = 0
    if kind is None or number <= 0:
        raise SkipFeature("no_id")
    return f"{kind}/{number}"


def parse_external_id(value: object) -> str:
    """`"node/42"` (or `"n42"`) → `"node/42"`."""
    text = str(value or "").strip()
    if "/" in text:
        osm_type, _, number = text.partition("/")
        return external_id(osm_type, number)
    if text[:1] in ("n", "w", "r") and text[1:].isdigit():
        return external_id(text[:1], text[1:])
    raise SkipFeature("no_id")


def record_from_tags(
    *, external_id: str, lat: object, lng: object, tags: Mapping[str, Any], kind: str | None = None
) -> VenueRecord:
    """Build a record, or raise SkipFeature naming why this object cannot be a venue."""
    name = _text(tags.get("name"))
    if not name:
        raise SkipFeature("no_name")
    kind = kind if kind in KINDS else kind_from_tags(tags)
    if kind is None:
        raise SkipFeature("unknown_kind")
    lat_f, lng_f = _coordinates(lat, lng)
    hours = _text(tags.get("opening_hours"))
    return VenueRecord(
        source=SOURCE,
        external_id=external_id,
        name=name[:MAX_NAME],
        kind=str(kind),
        lat=lat_f,
        lng=lng_f,
        address=address_from_tags(tags)[:MAX_ADDRESS],
        opening_hours=hours if len(hours) <= MAX_HOURS else "",
        wheelchair=_wheelchair(tags.get("wheelchair")),
        outdoor_seating=_outdoor_seating(tags.get("outdoor_seating")),
        wifi=_wifi(tags.get("internet_access")),
        website=_website(tags.get("website") or tags.get("contact:website") or tags.get("url")),
        phone=_text(tags.get("phone") or tags.get("contact:phone"))[:MAX_PHONE],
        tags={str(k): str(v) for k, v in tags.items() if v not in (None, "")},
    )


def address_from_tags(tags: Mapping[str, Any]) -> str:
    """`Schellingstraße 34, 80799 München`, from whichever `addr:*` parts are present."""
    street = _text(tags.get("addr:street")) or _text(tags.get("addr:place"))
    number = _text(tags.get("addr:housenumber"))
    line1 = f"{street} {number}".strip() if street else ""
    line2 = " ".join(
        p for p in (_text(tags.get("addr:postcode")), _text(tags.get("addr:city"))) if p
    )
    return ", ".join(p for p in (line1, line2) if p)


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def _coordinates(lat: object, lng: object) -> tuple[float, float]:
    if lat in (None, "") or lng in (None, ""):
        raise SkipFeature("no_location")
    try:
        lat_f, lng_f = float(lat), float(lng)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SkipFeature("bad_location") from None
    if not (math.isfinite(lat_f) and math.isfinite(lng_f)) or abs(lat_f) > 90 or abs(lng_f) > 180:
        raise SkipFeature("bad_location")
    return lat_f, lng_f


def _wheelchair(value: object) -> str:
    return {"yes": "yes", "designated": "yes", "limited": "limited", "no": "no"}.get(
        _text(value), ""
    )


def _outdoor_seating(value: object) -> bool | None:
    text = _text(value)
    if not text:
        return None
    return text != "no"  # yes, terrace, garden, sidewalk, pedestrian_zone… all mean "some"


def _wifi(value: object) -> bool | None:
    text = _text(value)
    if text in ("wlan", "wifi", "yes"):
        return True
    if text == "no":
        return False
    return None  # wired, terminal, unknown: says nothing about Wi-Fi


def _website(value: object) -> str:
    url = _text(value).split(";")[0].strip()
    if not url:
        return ""
    if "://" not in url:
        url = f"https://{url}"
    try:
        _url_validator(url)
    except ValidationError:
        return ""
    return url if len(url) <= MAX_URL else ""
