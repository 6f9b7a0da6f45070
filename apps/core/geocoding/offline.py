"""An offline geocoder over the bundled GeoNames gazetteer (see apps/core/data/gazetteer).

Forward: the longest run of words in the query that names a place wins, ties going to the
more populous place (a country named in the query narrows the search). It resolves towns and
districts, not street addresses: good enough for a home area, and nothing leaves the machine.
Reverse: the nearest gazetteer place, via a k-d tree on unit vectors.
"""

import csv
import gzip
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from apps.core.geo import haversine_km
from apps.core.geocoding.base import GeocodeResult

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "gazetteer"
MAX_NGRAM = 4
CONTEXT_KM = 30.0
COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lng: float
    admin1: str
    country: str
    population: int


def normalize(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "München" and "Munchen" agree."""
    text = text.replace("ß", "ss").casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z]+", text))


def _rows(filename: str) -> Iterator[dict[str, str]]:
    with gzip.open(DATA_DIR / filename, "rt", encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _unit_vectors(lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
    phi, lmb = np.radians(lats), np.radians(lngs)
    return np.column_stack((np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)))


class Gazetteer:
    def __init__(self) -> None:
        self.by_name: dict[str, list[Place]] = {}
        self.countries: dict[str, str] = {}
        self.small_places: list[Place] = []
        for row in _rows("geonames_countries.csv.gz"):
            self.countries[normalize(row["name"])] = row["iso"]
            self.countries[row["iso"].casefold()] = row["iso"]
        self._load_large()
        self._load_small()
        lats = np.array([p.lat for p in self.small_places])
        lngs = np.array([p.lng for p in self.small_places])
        self.tree = cKDTree(_unit_vectors(lats, lngs))

    def _add(self, name: str, place: Place) -> None:
        key = normalize(name)
        if key and len(key.split()) <= MAX_NGRAM:
            self.by_name.setdefault(key, []).append(place)

    def _load_large(self) -> None:
        for row in _rows("geonames_cities15000.csv.gz"):
            place = Place(
                name=row["name"],
                lat=float(row["latitude"]),
                lng=float(row["longitude"]),
                admin1="",
                country=row["countrycode"],
                population=int(row["population"] or 0),
            )
            names = {row["name"], *row["alternatenames"].split("|")}
            for name in names:
                # Latin-script names only: the query is normalised to a-z.
                if unicodedata.normalize("NFKD", name).isascii():
                    self._add(name, place)

    def _load_small(self) -> None:
        for row in _rows("rg_cities1000.csv.gz"):
            place = Place(
                name=row["name"],
                lat=float(row["lat"]),
                lng=float(row["lon"]),
                admin1=row["admin1"],
                country=row["cc"].strip(),
                population=1000,
            )
            self.small_places.append(place)
            self._add(row["name"], place)

    def nearest(self, *, lat: float, lng: float) -> Place:
        _, index = self.tree.query(_unit_vectors(np.array([lat]), np.array([lng]))[0])
        return self.small_places[int(index)]

    def search(self, query: str) -> Place | None:
        words = normalize(query).split()
        country = None
        for size in range(min(MAX_NGRAM, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start : start + size])
                if phrase in self.countries and (size > 1 or len(phrase) > 2):
                    country = self.countries[phrase]
        for size in range(min(MAX_NGRAM, len(words)), 0, -1):
            by_phrase: list[list[Place]] = []
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start : start + size])
                if len(phrase) < 3 or phrase in self.countries:
                    continue
                places = self.by_name.get(phrase, [])
                if country:
                    places = [p for p in places if p.country == country] or places
                if places:
                    by_phrase.append(places)
            if by_phrase:
                return self._most_specific(by_phrase)
        return None

    @staticmethod
    def _most_specific(by_phrase: list[list[Place]]) -> Place:
        """ "Pasing, München": the big place gives context, the small one near it is the answer."""
        best = [max(places, key=lambda p: p.population) for places in by_phrase]
        context = max(best, key=lambda p: p.population)
        for places, top in zip(by_phrase, best, strict=True):
            if top is context:
                continue
            nearby = [
                p
                for p in places
                if haversine_km(p.lat, p.lng, context.lat, context.lng) <= CONTEXT_KM
            ]
            if nearby:
                return max(nearby, key=lambda p: p.population)
        return context


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer()


def area_label(place: Place) -> str:
    parts = [place.name]
    if place.admin1 and place.admin1 != place.name:
        parts.append(place.admin1)
    parts.append(place.country)
    return ", ".join(parts)


class OfflineGeocoder:
    name = "offline"

    def geocode(self, query: str) -> GeocodeResult | None:
        typed = COORDINATES.match(query)
        if typed:
            lat, lng = float(typed.group(1)), float(typed.group(2))
            if -90 <= lat <= 90 and -180 <= lng <= 180 and math.isfinite(lat + lng):
                return GeocodeResult(lat=lat, lng=lng, label=self.label_at(lat=lat, lng=lng))
            return None
        place = gazetteer().search(query)
        if place is None:
            return None
        return GeocodeResult(
            lat=place.lat, lng=place.lng, label=self.label_at(lat=place.lat, lng=place.lng)
        )

    def label_at(self, *, lat: float, lng: float) -> str:
        return area_label(gazetteer().nearest(lat=lat, lng=lng))
