"""Distances on the sphere through 3-D chords, so a k-d tree can index them.

Points become unit vectors scaled by the Earth's radius (km). The straight-line chord between
two such points is a true Euclidean metric (triangle inequality holds, which the venue search's
bounds rely on) and maps one-to-one onto the great-circle distance, so every "within r km" test
is done on chords against `km_to_chord(r)`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_KM = 6371.0088  # same constant as apps.core.geo

FloatArray = NDArray[np.float64]


def to_xyz(lat: FloatArray, lng: FloatArray) -> FloatArray:
    phi = np.radians(lat)
    lam = np.radians(lng)
    cos_phi = np.cos(phi)
    return (
        np.stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)], axis=-1)
        * EARTH_RADIUS_KM
    )


def km_to_chord(km: FloatArray | float) -> FloatArray:
    clipped = np.clip(np.asarray(km, dtype=np.float64), 0.0, math.pi * EARTH_RADIUS_KM)
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.sin(clipped / (2.0 * EARTH_RADIUS_KM)))


def chord_to_km(chord: FloatArray | float) -> FloatArray:
    ratio = np.clip(np.asarray(chord, dtype=np.float64) / (2.0 * EARTH_RADIUS_KM), 0.0, 1.0)
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(ratio))


def project_km(lat: FloatArray, lng: FloatArray, origin: tuple[float, float]) -> FloatArray:
    """Equirectangular x/y in km around `origin`; only used to cut a region into cells."""
    lat0, lng0 = origin
    x = np.radians(lng - lng0) * math.cos(math.radians(lat0)) * EARTH_RADIUS_KM
    y = np.radians(lat - lat0) * EARTH_RADIUS_KM
    return np.stack([x, y], axis=-1)
