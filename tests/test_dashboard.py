"""Dashboard data: count cubes with margins, and suppression no reader can undo by subtraction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.site import dashboard as dash
from helpers.site.dashboard import ALL

DIMS = ["county", "kind", "eligibility"]


def people(seed: int = 3, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "county": rng.choice(["Alameda", "Los Angeles", "Modoc"], n, p=[0.3, 0.65, 0.05]),
            "kind": rng.choice(["DSL", "Life", "LWOP"], n, p=[0.6, 0.3, 0.1]),
            "eligibility": rng.choice(["eligible", "not eligible"], n, p=[0.1, 0.9]),
        }
    )


def test_cube_has_every_margin_and_they_add_up() -> None:
    frame = people()
    cube = dash.count_cube(frame, DIMS)
    assert cube.loc[(cube[DIMS] == ALL).all(axis=1), "n"].tolist() == [len(frame)]
    la = cube[
        (cube["county"] == "Los Angeles") & (cube["kind"] == ALL) & (cube["eligibility"] == ALL)
    ]
    assert la["n"].item() == (frame["county"] == "Los Angeles").sum()
    # Every line adds up to its total.
    for d in DIMS:
        others = [x for x in DIMS if x != d]
        parts = cube[cube[d] != ALL].groupby(others)["n"].sum()
        totals = cube[cube[d] == ALL].set_index(others)["n"]
        pd.testing.assert_series_equal(
            parts.sort_index(), totals.loc[parts.index].sort_index(), check_names=False
        )
    assert (cube["n"] > 0).all()


def _hidden_lines(cube: pd.DataFrame) -> list[tuple]:
    """Lines (one dimension varying, with its total) holding exactly one suppressed cell."""
    bad = []
    for d in DIMS:
        others = [x for x in DIMS if x != d]
        hidden = cube["n"].isna().groupby([cube[o] for o in others]).sum()
        bad += [(d, key) for key, count in hidden.items() if count == 1]
    return bad


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_suppression_hides_small_cells_and_cannot_be_undone(seed: int) -> None:
    cube = dash.count_cube(people(seed), DIMS)
    out = dash.suppress_cube(cube, DIMS)
    shown = out["n"].dropna()
    assert not ((shown >= 1) & (shown < 11)).any()
    assert out["n"].isna().any()
    assert _hidden_lines(out) == []
    # Big cells stay published, and suppression is labelled.
    assert out.loc[(out[DIMS] == ALL).all(axis=1), "n"].item() == len(people(seed))
    assert set(out.loc[out["n"].isna(), "suppression"]) <= {"primary", "complementary"}
    assert (out.loc[out["n"].notna(), "suppression"] == "").all()


def test_person_dimensions_hold_no_identifier() -> None:
    candidates = pd.DataFrame(
        {
            "cdcno": ["AB1234", "CD5678"],
            "county": ["Alameda", "Modoc"],
            "sentence_type": ["DSL", "Third Striker"],
            "controlling_offense_key": ["PC211", "NOT A CODE"],
            "race_group": ["Black", None],
            "age": [52.0, np.nan],
            "eligibility": ["eligible", "not eligible"],
        }
    )
    dims = dash.person_dimensions(candidates)
    assert "cdcno" not in dims
    assert dims["offense_category"].tolist() == ["Robbery", dash.UNKNOWN_CATEGORY]
    assert dims["age_band"].tolist() == ["50-64", "Unknown"]
    assert dims["race_group"].tolist() == ["Black", "Unknown"]


def test_spec_only_selects_published_cells() -> None:
    cube = dash.suppress_cube(dash.count_cube(people(), DIMS), DIMS)
    spec = dash.dashboard_spec(
        cube.rename(columns={"kind": "sentence_type"}),
        ["county", "sentence_type", "eligibility"],
        [dash.Facet("sentence_type", "Sentence type")],
        title="test",
        screen_label="Passes",
    )
    text = spec["data"]["values"]
    published = pd.read_csv(pd.io.common.StringIO(text))
    assert len(published) == len(cube)
    assert not ((published["n"] >= 1) & (published["n"] < 11)).any()
    # The browser never sums counts: no aggregate "sum" anywhere in the spec.
    assert '"op": "sum"' not in str(spec).replace("'", '"')
    import vl_convert

    vl_convert.vegalite_to_vega(spec)  # compiles


def test_the_state_map_is_folium_with_the_sites_own_leaflet(tmp_path) -> None:
    import folium

    from helpers.counties import county_names, slug
    from helpers.site import maps
    from helpers.site.build import VENDOR_DIR

    assert dict(folium.Map.default_js)["leaflet"] == maps.LEAFLET_JS
    assert dict(folium.Map.default_css)["leaflet_css"] == maps.LEAFLET_CSS
    assert (VENDOR_DIR / "leaflet" / "leaflet.js").is_file()
    names = county_names()
    table = pd.DataFrame(
        {
            "county": names,
            "people": pd.array([5 if n == "Alpine" else 500 for n in names], dtype="Int64"),
            "eligible": 20,
            "outliers": 1,
            "report": [slug(n) for n in names],
        }
    )
    table.loc[table["county"] == "Alpine", "people"] = pd.NA  # suppressed
    html = maps.map_iframe(maps.state_map(table))
    assert html.count("sl-county-") >= 58
    assert "counties/los-angeles/05-county-report.html" in html
    assert maps.SUPPRESSED_FILL in html and "openstreetmap" not in html.lower()  # no tiles
    page = tmp_path / "book" / "page.html"
    page.parent.mkdir()
    page.write_text(html)
    maps.localise_assets(tmp_path)
    text = page.read_text()
    assert "cdn.jsdelivr" not in text and "../_static/vendor/leaflet/leaflet.js" in text
