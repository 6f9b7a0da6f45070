"""Local files: the real samples read as venues; malformed features are skipped and counted."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from apps.venues.providers import files
from apps.venues.providers.records import EmptySource, InvalidSource
from tests.venues.conftest import HELSINKI_PBF, OVERPASS_SAMPLE, SAMPLE_GEOJSON


def feature(osm_id: str | None = "node/1", **properties: Any) -> dict[str, Any]:
    props = {"name": "Café Kosmos", "amenity": "cafe", **properties}
    geometry = props.pop("geometry", {"type": "Point", "coordinates": [11.57, 48.13]})
    return {"type": "Feature", "id": osm_id, "geometry": geometry, "properties": props}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_sample_geojson_reads_every_well_formed_venue() -> None:
    batch = files.read_file(SAMPLE_GEOJSON)

    assert batch.received == 143
    assert len(batch.records) == 142
    assert batch.skipped == Counter({"no_id": 1})  # "Raucherclub/261052433", as in the source
    assert Counter(r.kind for r in batch.records) == {"cafe": 70, "bar": 64, "bookstore": 8}
    teeseele = next(r for r in batch.records if r.external_id == "node/1005405936")
    assert teeseele.name == "Teeseele München"
    assert teeseele.address == "Schellingstraße 34, 80799 München"
    assert teeseele.opening_hours == "Mo-Fr 12:00-20:00; Sa 12:00-20:00; Su,PH 12:00-17:00"
    assert teeseele.website == "https://teeseele.wordpress.com/"
    assert (teeseele.lat, teeseele.lng) == (48.1505867, 11.5752186)


def test_overpass_json_reads_nodes_and_ways_with_their_tags() -> None:
    batch = files.read_file(OVERPASS_SAMPLE)

    assert batch.received == len(batch.records) == 36
    ways = [r for r in batch.records if r.external_id.startswith("way/")]
    assert len(ways) == 6  # buildings: placed at Overpass' `center`
    waldeck = next(r for r in batch.records if r.name == "Cafe Waldeck")
    assert waldeck.external_id == "node/82504563"
    assert waldeck.kind == "cafe"
    assert waldeck.wheelchair == "yes"
    assert waldeck.opening_hours == "Tu-Sa 08:30-17:00; Su,Mo off"
    assert waldeck.address == "Dorfstraße 29, 85737 Ismaning"
    assert waldeck.tags["toilets:wheelchair"] == "yes"
    assert {r.kind for r in batch.records} == {"cafe", "bar"}  # pubs are bars


def test_osm_pbf_reads_nodes_ways_and_the_pub_tram_relation() -> None:
    batch = files.read_file(HELSINKI_PBF)

    assert batch.skipped == Counter({"no_name": 5})
    kinds = Counter(r.kind for r in batch.records)
    assert kinds == {"cafe": 85, "bar": 74, "bookstore": 8, "library": 7}
    by_id = {r.external_id: r for r in batch.records}
    # A pub mapped as a building outline: the centre of its bounding box.
    assert by_id["way/122595277"].name == "Vltava"
    assert by_id["way/122595277"].lat == pytest.approx(60.1714, abs=0.001)
    # Spårakoff, a pub in a tram on a route relation: the centre of its route.
    tram = by_id["relation/335178"]
    assert (tram.name, tram.kind) == ("Spårakoff", "bar")
    assert 60.15 < tram.lat < 60.19
    assert 24.90 < tram.lng < 24.97


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (feature(name=None), "no_name"),
        (feature(name="   "), "no_name"),
        (feature(geometry=None), "no_location"),
        (feature(geometry={"type": "Point", "coordinates": [200, 48]}), "bad_location"),
        (feature(geometry={"type": "Point", "coordinates": ["x", 48]}), "bad_location"),
        (feature(amenity="restaurant"), "unknown_kind"),
        (feature(osm_id=None), "no_id"),
        (feature(osm_id="planet/7"), "no_id"),
        ({"type": "Other"}, "not_a_feature"),
    ],
)
def test_malformed_features_are_skipped_and_counted(bad: dict[str, Any], reason: str) -> None:
    batch = files.read_json(collection(feature("node/99", name="Good Café"), bad))

    assert [r.name for r in batch.records] == ["Good Café"]
    assert batch.skipped == Counter({reason: 1})
    assert batch.received == 2


def test_a_duplicate_id_keeps_the_first_feature_and_counts_the_second() -> None:
    batch = files.read_json(
        collection(feature("node/5", name="First"), feature("node/5", name="Second"))
    )

    assert [r.name for r in batch.records] == ["First"]
    assert batch.skipped == Counter({"duplicate_id": 1})


def test_a_building_outline_is_placed_at_its_centre() -> None:
    outline = {
        "type": "Polygon",
        "coordinates": [[[11.0, 48.0], [11.2, 48.0], [11.2, 48.4], [11.0, 48.4], [11.0, 48.0]]],
    }

    (record,) = files.read_json(collection(feature("way/3", geometry=outline))).records

    assert (record.lat, record.lng) == pytest.approx((48.2, 11.1))


def test_kinds_follow_the_osm_tags() -> None:
    batch = files.read_json(
        collection(
            feature("node/1", amenity="cafe", shop="books"),
            feature("node/2", amenity="cafe", cuisine="tea;cake"),
            feature("node/3", amenity="cafe", cafe="board_game"),
            feature("node/4", amenity="biergarten"),
            feature("node/5", amenity=None, shop="books"),
            feature("node/6", amenity="library"),
        )
    )

    assert [r.kind for r in batch.records] == [
        "cafe",  # a café that is also a bookshop is a café
        "tea_house",
        "board_game_cafe",
        "bar",
        "bookstore",
        "library",
    ]


def test_useful_tags_are_normalised() -> None:
    (record,) = files.read_json(
        collection(
            feature(
                wheelchair="designated",
                outdoor_seating="terrace",
                internet_access="wlan",
                **{"contact:website": "www.kosmos.example", "contact:phone": "+49 89 1"},
            )
        )
    ).records

    assert record.wheelchair == "yes"
    assert record.outdoor_seating is True
    assert record.wifi is True
    assert record.website == "https://www.kosmos.example"
    assert record.phone == "+49 89 1"


def test_a_truncated_file_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "cut.geojson"
    path.write_bytes(SAMPLE_GEOJSON.read_bytes()[:5000])

    with pytest.raises(InvalidSource, match="not valid JSON"):
        files.read_file(path)


def test_json_of_another_shape_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([1, 2, 3]))

    with pytest.raises(InvalidSource):
        files.read_file(path)


def test_a_missing_file_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(InvalidSource, match="No such file"):
        files.read_file(tmp_path / "nope.geojson")


def test_a_pbf_that_is_not_one_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / "fake.osm.pbf"
    path.write_bytes(b"this is not protobuf")

    with pytest.raises(InvalidSource):
        files.read_file(path)


def test_a_file_without_usable_venues_is_empty_not_an_empty_city() -> None:
    with pytest.raises(EmptySource, match="no_name"):
        files.read_json(collection(feature(name=None), feature("node/2", name="")))
    with pytest.raises(EmptySource):
        files.read_json({"elements": []})
