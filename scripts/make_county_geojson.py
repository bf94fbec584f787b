"""Build ``data/reference/ca_counties.geojson``: the 58 California counties, simplified, offline.

Source: U.S. Census Bureau TIGER/Line county boundaries (simplified, 2009 vintage), as shipped in the
PyPI package ``bokeh-sampledata`` (module ``bokeh_sampledata.us_counties``, BSD-3-Clause package; the
Census source permits redistribution with acknowledgement to the U.S. Census Bureau). Nothing is
downloaded: the package carries the shapes.

Steps: take the records with state FIPS 06; simplify all counties together with
``shapely.coverage_simplify`` (shared borders stay shared, so no gaps or overlaps appear between
neighbours); snap coordinates to a 0.0001-degree grid (4 decimals, about 11 m) with
``shapely.set_precision``; write one feature per county with properties ``county``, ``fips`` and a
label point. The tolerance is the largest that keeps the file under ~300 KB while every county stays
a valid, non-empty polygon.

Run: ``python scripts/make_county_geojson.py [--out PATH] [--tolerance DEG]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import shapely
from shapely.geometry import mapping

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "data" / "reference" / "ca_counties.geojson"
STATE_FIPS = "06"
GRID = 1e-4  # 4 decimal places
SOURCE = (
    "U.S. Census Bureau, TIGER/Line county boundaries (simplified 2009 vintage), via the PyPI package "
    "bokeh-sampledata (bokeh_sampledata.us_counties); simplified with shapely.coverage_simplify and "
    "rounded to 4 decimals by scripts/make_county_geojson.py"
)


def _round(obj: object) -> object:
    """Round every coordinate in a GeoJSON coordinate tree to 4 decimals."""
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, list | tuple):
        return [_round(x) for x in obj]
    return obj


def build(tolerance: float) -> dict:
    """Return the simplified California county FeatureCollection as a dict."""
    from bokeh_sampledata.us_counties import records

    recs = [r for r in records(state="CA") if r["state_fips"] == STATE_FIPS]
    if len(recs) != 58:
        raise SystemExit(f"expected 58 California counties, got {len(recs)}")
    geoms = shapely.coverage_simplify([r["geometry"] for r in recs], tolerance)
    geoms = shapely.set_precision(geoms, GRID)
    features = []
    for rec, geom in zip(recs, geoms, strict=True):
        if geom.is_empty or not geom.is_valid:
            raise SystemExit(f"{rec['name']}: geometry empty or invalid after simplification")
        label = geom.representative_point()
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "county": rec["name"],
                    "fips": rec["fips"],
                    "label_lon": round(label.x, 4),
                    "label_lat": round(label.y, 4),
                },
                "geometry": {
                    "type": geom.geom_type,
                    "coordinates": _round(mapping(geom)["coordinates"]),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "California counties (simplified)",
        "source": SOURCE,
        "license": "Census TIGER/Line data: public, redistribution with acknowledgement to the U.S. Census Bureau",
        "crs_note": "longitude/latitude degrees (NAD83, as distributed by the Census Bureau)",
        "simplify_tolerance_deg": tolerance,
        "features": features,
    }


def main() -> None:
    """Write the GeoJSON file and print its size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tolerance", type=float, default=0.002, help="degrees (default 0.002)")
    args = parser.parse_args()
    collection = build(args.tolerance)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(collection['features'])} features, {len(text) / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
