"""Where venues come from. Every provider turns its input into `VenueRecord`s (see `records`),
so the upsert (apps.venues.services) has one code path whatever the source:

* `overpass`: the Overpass API over HTTP, one query for a region's box and every venue kind;
* `files`: a GeoJSON FeatureCollection, an Overpass JSON answer, or an `.osm.pbf` extract.
"""
