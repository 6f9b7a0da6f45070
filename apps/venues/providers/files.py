"""Local venue files: GeoJSON FeatureCollections, Overpass JSON answers and `.osm.pbf` extracts.

Each reader returns a whole `Batch` before anything is written, so a malformed file changes
nothing. Features that cannot be venues (no name, no coordinates, unknown kind, an id already
seen in the same file) are skipped and counted by reason.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from apps.venues.providers import osm
from apps.venues.providers.records import (
    Batch,
    EmptySource,
    InvalidSource,
    SkipFeature,
    VenueRecord,
)

PBF_SUFFIXES = (".pbf", ".osm.pbf")
# Properties of our uniform venue GeoJSON (see apps/venues/data/README.md) that are OSM tags.
UNIFORM_TAGS = {
    "name": "name",
    "opening_hours": "opening_hours",
    "website": "website",
    "addr_street": "addr:street",
    "addr_housenumber": "addr:housenumber",
    "addr_postcode": "addr:postcode",
    "addr_city": "addr:city",
    "addr_country": "addr:country",
}
# Bookkeeping properties of flattened-tag GeoJSON (an Overpass export), not OSM tags.
NOT_TAGS = {"id", "type", "category", "@id", "osm_id", "osm_type"}


def read_file(path: Path) -> Batch:
    """Read any supported file, chosen by name (`.pbf`) or by the JSON document's shape."""
    if not path.is_file():
        raise InvalidSource(f"No such file: {path}")
    if path.name.endswith(PBF_SUFFIXES):
        return read_osm_pbf(path)
    try:
        data = json.loads(path.read_bytes())
    except ValueError as exc:  # includes UnicodeDecodeError
        raise InvalidSource(f"{path.name} is not valid JSON (truncated?): {exc}") from exc
    return read_json(data)


def read_json(data: Any) -> Batch:
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return read_geojson(data)
    if isinstance(data, dict) and isinstance(data.get("elements"), list):
        return read_overpass_json(data)
    raise InvalidSource("Expected a GeoJSON FeatureCollection or an Overpass JSON answer.")


def read_geojson(data: dict[str, Any]) -> Batch:
    features = data.get("features")
    if not isinstance(features, list):
        raise InvalidSource("A FeatureCollection needs a list of features.")
    return _collect(features, _record_from_feature)


def read_overpass_json(data: dict[str, Any]) -> Batch:
    return _collect(data["elements"], _record_from_element)


def read_osm_pbf(path: Path) -> Batch:
    """Nodes, ways (centre of their bounding box) and relations (centre of their members)."""
    import osmium  # imported here: only pbf imports pay for loading libosmium

    wanted: list[tuple[str, int, dict[str, str], tuple[float, float] | None]] = []
    relation_members: dict[int, list[tuple[str, int]]] = {}
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("amenity", "shop"))
        )
        for obj in processor:
            tags = dict(obj.tags)
            if osm.kind_from_tags(tags) is None:
                continue
            if obj.is_node():
                location = obj.location
                centre = (location.lat, location.lon) if location.valid() else None
                wanted.append(("node", obj.id, tags, centre))
            elif obj.is_way():
                points = [(n.lat, n.lon) for n in obj.nodes if n.location.valid()]
                wanted.append(("way", obj.id, tags, _bbox_centre(points)))
            elif obj.is_relation():
                relation_members[obj.id] = [(m.type, m.ref) for m in obj.members]
                wanted.append(("relation", obj.id, tags, None))
        centres = _relation_centres(path, relation_members) if relation_members else {}
    except (RuntimeError, OSError) as exc:
        raise InvalidSource(f"{path.name} is not a readable .osm.pbf file: {exc}") from exc

    def build(item: tuple[str, int, dict[str, str], tuple[float, float] | None]) -> VenueRecord:
        osm_type, osm_id, tags, centre = item
        if osm_type == "relation":
            centre = centres.get(osm_id)
        lat, lng = centre if centre else (None, None)
        return osm.record_from_tags(
            external_id=osm.external_id(osm_type, osm_id), lat=lat, lng=lng, tags=tags
        )

    return _collect(wanted, build)


def _relation_centres(
    path: Path, relation_members: dict[int, list[tuple[str, int]]]
) -> dict[int, tuple[float, float]]:
    """A second pass: the bounding-box centre of each relation's node and way members."""
    import osmium

    node_ids = {ref for members in relation_members.values() for t, ref in members if t == "n"}
    way_ids = {ref for members in relation_members.values() for t, ref in members if t == "w"}
    points: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if obj.is_node() and obj.id in node_ids and obj.location.valid():
            points[("n", obj.id)] = [(obj.location.lat, obj.location.lon)]
        elif obj.is_way() and obj.id in way_ids:
            points[("w", obj.id)] = [(n.lat, n.lon) for n in obj.nodes if n.location.valid()]
    centres = {}
    for relation_id, members in relation_members.items():
        member_points = [p for member in members for p in points.get(member, [])]
        centre = _bbox_centre(member_points)
        if centre is not None:
            centres[relation_id] = centre
    return centres


def _collect(items: Iterable[Any], build: Callable[[Any], VenueRecord]) -> Batch:
    batch = Batch()
    seen: set[str] = set()
    for item in items:
        batch.received += 1
        try:
            record = build(item)
        except SkipFeature as skip:
            batch.skip(skip.reason)
            continue
        if record.external_id in seen:
            batch.skip("duplicate_id")
            continue
        seen.add(record.external_id)
        batch.records.append(record)
    if not batch.records:
        raise EmptySource(
            f"No usable venue among {batch.received} features "
            f"(skipped: {dict(batch.skipped) or 'none'}); nothing was changed."
        )
    return batch


def _record_from_feature(feature: Any) -> VenueRecord:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise SkipFeature("not_a_feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise SkipFeature("not_a_feature")
    if "osm_tags_matched" in props or "addr_street" in props:
        tags = _uniform_tags(props)
        kind = props.get("kind")
    else:
        tags = {k: v for k, v in props.items() if k not in NOT_TAGS}
        kind = None
    external_id = _feature_id(feature, props)
    centre = _geometry_centre(feature.get("geometry"))
    lat, lng = centre if centre else (None, None)
    return osm.record_from_tags(
        external_id=external_id, lat=lat, lng=lng, tags=tags, kind=str(kind) if kind else None
    )


def _feature_id(feature: dict[str, Any], props: dict[str, Any]) -> str:
    for candidate in (feature.get("id"), props.get("osm_id"), props.get("@id")):
        if candidate not in (None, ""):
            return osm.parse_external_id(candidate)
    osm_type = props.get("osm_type") or props.get("type")
    osm_id = props.get("osm_numeric_id") or props.get("id")
    return osm.external_id(osm_type, osm_id)


def _uniform_tags(props: dict[str, Any]) -> dict[str, Any]:
    tags: dict[str, Any] = {
        tag: props[key] for key, tag in UNIFORM_TAGS.items() if props.get(key) not in (None, "")
    }
    for pair in str(props.get("osm_tags_matched") or "").split(";"):
        key, sep, value = pair.partition("=")
        if sep and key.strip() and value.strip():
            tags.setdefault(key.strip(), value.strip())
    return tags


def _geometry_centre(geometry: Any) -> tuple[float, float] | None:
    """A Point's position; for lines and areas the centre of their bounding box (as Overpass'
    `out center` does), which is enough to find and show a café mapped as a building."""
    if not isinstance(geometry, dict):
        return None
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "Point":
        if isinstance(coordinates, list) and len(coordinates) >= 2:
            return coordinates[1], coordinates[0]
        raise SkipFeature("bad_location")
    points = [(p[1], p[0]) for p in _positions(coordinates)]
    if not points:
        raise SkipFeature("bad_location")
    return _bbox_centre(points)


def _positions(coordinates: Any) -> Iterator[list[float]]:
    if isinstance(coordinates, list):
        if len(coordinates) >= 2 and all(isinstance(c, int | float) for c in coordinates[:2]):
            yield coordinates
        else:
            for item in coordinates:
                yield from _positions(item)


def _bbox_centre(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    if not points:
        return None
    lats = [p[0] for p in points]
    lngs = [p[1] for p in points]
    return (min(lats) + max(lats)) / 2, (min(lngs) + max(lngs)) / 2


def _record_from_element(element: Any) -> VenueRecord:
    if not isinstance(element, dict):
        raise SkipFeature("not_a_feature")
    external_id = osm.external_id(element.get("type"), element.get("id"))
    tags = element.get("tags") or {}
    if not isinstance(tags, dict):
        raise SkipFeature("not_a_feature")
    centre = element.get("center") if element.get("type") != "node" else element
    if not isinstance(centre, dict):
        raise SkipFeature("no_location")
    return osm.record_from_tags(
        external_id=external_id, lat=centre.get("lat"), lng=centre.get("lon"), tags=tags
    )
