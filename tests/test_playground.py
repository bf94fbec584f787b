"""The weights playground: the public long table reproduces R, leaks no identifier, and the browser
recomputes the same ranking as Python when a reader moves the weights."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.data.ingest import ingest, write_processed
from helpers.pipeline.manifest import ModelFiles, RunManifest
from helpers.privacy import find_identifiers, pseudonymise
from helpers.screening.config import CONFIG_DIR, FACTOR_DIRECTIONS, WEIGHT_PRESETS, load_config
from helpers.screening.score import FACTORS, add_person_positions, r_score, score
from helpers.screening.screens import screen
from helpers.site.playground import (
    COLUMNS,
    DATA_NAME,
    TOP_N,
    playground_data,
    playground_page_spec,
    playground_r,
    playground_ranking,
    playground_spec,
    rounding_bound,
)

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-05-01"
SALT = "test-salt-playground"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHART_ID = "sl-chart-playground"


@pytest.fixture(scope="module")
def raw_result():
    return ingest(ROOT / "data" / "sample", AS_OF)


@pytest.fixture(scope="module")
def tables(raw_result) -> dict[str, pd.DataFrame]:
    return raw_result.tables


@pytest.fixture(scope="module")
def config():
    # 785 of the 2,000 sample people pass this screen: the 400-person sample is exercised.
    return load_config(None, CONFIG_DIR / "presets" / "cdcr_referral.yaml")


@pytest.fixture(scope="module")
def data(tables, config) -> pd.DataFrame:
    return playground_data(tables, config, AS_OF, salt=SALT)


@pytest.fixture(scope="module")
def spec(data, config) -> dict:
    return playground_spec(data, config)


@pytest.fixture(scope="module")
def pipeline(tables, config) -> pd.DataFrame:
    """helpers.screening.score's unrounded R of the eligible people, indexed by their pseudonym."""
    t = add_person_positions(tables)
    screened = screen(t, config)
    scored = score(t, config, AS_OF)
    keep = (screened["eligibility"] == "eligible").to_numpy(dtype=bool)
    out = scored.loc[keep].assign(pid=pseudonymise(scored.loc[keep, "cdcno"], SALT).to_numpy())
    return out.set_index("pid")


def _weights(config, **words: str) -> dict[str, float]:
    """x_i as the page computes them: direction × word (config words unless overridden)."""
    x = dict(config.score.factors)
    for name, word in words.items():
        x[name] = FACTOR_DIRECTIONS[name] * WEIGHT_PRESETS[word]
    return x


def _reference_r(data: pd.DataFrame, a: float, b: float, d: float, x: dict) -> pd.Series:
    """R of every pid by helpers.screening.score.r_score, one call per person (the formula as written)."""
    out = {}
    for pid, rows in data.groupby("pid", sort=True):
        cur = rows[rows["term"] == "current"]
        pri = rows[rows["term"] == "prior"]
        fac = rows[rows["term"] == "factor"]
        out[pid] = r_score(
            cur["f"],
            pri["f"],
            pri["t"],
            [x[k] for k in fac["factor"]],
            fac["y"],
            a,
            b,
            d,
        )
    return pd.Series(out, name="R")


# --------------------------------------------------------------------------------------------------
# Python side
# --------------------------------------------------------------------------------------------------


def test_long_table_shape_and_coarsening(data: pd.DataFrame) -> None:
    assert list(data.columns) == COLUMNS
    assert data["pid"].nunique() == 400
    assert set(data["term"]) == {"current", "prior", "factor"}
    assert (data.groupby("pid")["term"].apply(lambda s: (s == "current").sum()) == 1).all()
    assert set(data.loc[data["term"] == "factor", "factor"]) <= set(FACTORS)
    assert (data.loc[data["term"] != "factor", "factor"] == "").all()
    assert data["y"].between(0, 1).all()
    assert (data["t"] >= 0).all()
    assert np.allclose(data["t"], data["t"].round(1))
    assert np.allclose(data["y"], data["y"].round(3))
    assert data["pid"].str.fullmatch(r"P-[0-9a-f]{10}").all()


def test_long_table_reproduces_r(data, config, pipeline) -> None:
    s = config.score
    x = dict(s.factors)
    ref = _reference_r(data, s.a, s.b, s.d, x)
    fast = playground_r(data, s.a, s.b, s.d, x)
    # r_score on the long table's (rounded) rows = the vectorised reference the page mirrors.
    assert np.allclose(fast.to_numpy(), ref.loc[fast.index].to_numpy(), rtol=0, atol=1e-6)
    # … and stays within the bound the rounding of t (0.1 y) and y (0.001) allows of helpers.screening.score.
    exact = pipeline.loc[fast.index, "R"].to_numpy(dtype="float64")
    bound = rounding_bound(data, s.b, s.d, x).loc[fast.index].to_numpy()
    gap = np.abs(fast.to_numpy() - exact)
    assert (gap <= bound).all(), gap.max()
    assert gap.max() < 0.05
    # Rankings agree except for pairs closer than the rounding can separate.
    order_play = np.argsort(np.argsort(fast.to_numpy(), kind="stable"))
    order_pipe = np.argsort(np.argsort(exact, kind="stable"))
    swapped = np.sign(order_play[:, None] - order_play[None, :]) != np.sign(
        order_pipe[:, None] - order_pipe[None, :]
    )
    close = np.abs(exact[:, None] - exact[None, :]) <= bound[:, None] + bound[None, :]
    assert not (swapped & ~close).any()
    # The current row is helpers.screening.score's Σf(current); priors and factors are exactly present.
    cur = data[data["term"] == "current"].set_index("pid")["f"]
    assert np.allclose(cur.loc[fast.index], pipeline.loc[fast.index, "current_sum"])


@pytest.fixture(scope="module")
def statewide_data(tables) -> pd.DataFrame:
    return playground_data(tables, load_config(None), AS_OF, salt=SALT)


def test_statewide_config_small_pool(tables, statewide_data) -> None:
    cfg = load_config(None)
    small = statewide_data
    assert 0 < small["pid"].nunique() < TOP_N
    t = add_person_positions(tables)
    scored = score(t, cfg, AS_OF)
    keep = (screen(t, cfg)["eligibility"] == "eligible").to_numpy(dtype=bool)
    exact = pd.Series(
        scored.loc[keep, "R"].to_numpy(),
        index=pseudonymise(scored.loc[keep, "cdcno"], SALT).to_numpy(),
    )
    s = cfg.score
    r = playground_r(small, s.a, s.b, s.d, dict(s.factors))
    bound = rounding_bound(small, s.b, s.d, dict(s.factors))
    assert (np.abs(r - exact.loc[r.index]) <= bound).all()
    playground_spec(small, cfg)  # compiles with fewer people than the top-25


def test_no_identifiers_in_data_or_spec(tables, data, spec) -> None:
    people = tables["people"]
    text = json.dumps(spec)
    # CDCR numbers and case numbers as whole tokens (helpers.privacy's scan) …
    ids = pd.concat(
        [people["cdcno"], people["controlling_case_number"], tables["offenses"]["case_number"]]
    ).dropna()
    assert find_identifiers(data, ids) == []
    assert find_identifiers(text, ids) == []
    # … names and birth dates as plain substrings (faster than the scan's per-name regex).
    low = text.lower()
    for value in pd.concat([people["name"], people["birth_date"].astype("string")]).dropna():
        assert str(value).lower() not in low
    # No county, offense code or date travels with the data.
    rows = spec["datasets"][DATA_NAME]
    assert set(rows[0]) == set(COLUMNS)
    for county in people["county"].dropna().unique():
        assert f'"{county}"' not in text
    assert not any(k in text for k in ('"county"', "offense_key", "birth", "_date"))


def test_deterministic_and_salted(tables, config, data) -> None:
    again = playground_data(tables, config, AS_OF, salt=SALT)
    pd.testing.assert_frame_equal(data, again)
    other_seed = playground_data(tables, config, AS_OF, salt=SALT, seed=7)
    assert set(other_seed["pid"]) != set(data["pid"])
    other_salt = playground_data(tables, config, AS_OF, salt="another-salt")
    assert set(other_salt["pid"]).isdisjoint(set(data["pid"]))
    assert np.allclose(np.sort(other_salt["f"]), np.sort(data["f"]))


def test_spec_compiles_and_names_its_data(spec, config) -> None:
    import vl_convert

    vega = vl_convert.vegalite_to_vega(spec)
    names = [d["name"] for d in vega["data"]]
    meta = spec["usermeta"]["secondlook"]
    assert spec["data"] == {"name": DATA_NAME} and DATA_NAME in names
    assert meta["ranked_data"] in names
    params = {p["name"]: p for p in spec["params"]}
    assert params["a"]["bind"]["input"] == "range" and params["a"]["value"] == config.score.a
    assert (params["d"]["bind"]["min"], params["d"]["bind"]["max"]) == (0.5, 1.0)
    for k in FACTORS:
        p = params[f"x_{k}"]
        assert p["bind"]["options"] == list(WEIGHT_PRESETS)
        assert FACTOR_DIRECTIONS[k] * WEIGHT_PRESETS[p["value"]] == config.score.factors[k]


def test_page_spec_from_shared_manifest(raw_result, statewide_data, tmp_path, monkeypatch) -> None:
    from helpers.errors import InputError

    folder = write_processed(raw_result, tmp_path / "processed")
    model = ModelFiles("0" * 64, tmp_path / "m", tmp_path / "m.json", tmp_path / "p", tmp_path)
    manifest = RunManifest(
        as_of=date.fromisoformat(AS_OF),
        seed=1,
        mode="public",
        processed=folder,
        inputs=raw_result.manifest.input_hashes(),
        candidates={},
        statewide_candidates=tmp_path / "statewide.parquet",
        config_hashes={},
        model=model,
        audit=tmp_path / "audit",
        versions={},
        git_commit="unknown",
        code_hash="0" * 64,
        people=len(raw_result.tables["people"]),
        quarantined_rows=0,
    )
    monkeypatch.delenv("SECONDLOOK_SALT", raising=False)
    with pytest.raises(InputError, match="salt"):
        playground_page_spec(manifest)
    monkeypatch.setenv("SECONDLOOK_SALT", SALT)
    page_spec = playground_page_spec(manifest)  # statewide screen (12 sample people)
    assert page_spec["data"] == {"name": DATA_NAME}
    expected = playground_spec(statewide_data, load_config(None))
    assert page_spec["datasets"] == expected["datasets"]
    assert page_spec["params"] == expected["params"]


# --------------------------------------------------------------------------------------------------
# Browser side
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser_page(spec, tmp_path_factory) -> Iterator[tuple]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/ensure_chromium.sh`")
    from playwright.sync_api import sync_playwright

    from helpers.site.vega import standalone_html

    html = tmp_path_factory.mktemp("playground") / "playground.html"
    html.write_text(standalone_html({"playground": spec}, title="playground"), encoding="utf-8")
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})

        def route(r) -> None:
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                problems.append(f"blocked request {r.request.url}")
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error {e}"))
        page.on("requestfailed", lambda r: problems.append(f"failed request {r.url}"))
        page.goto(html.as_uri())
        page.wait_for_selector(f"#{CHART_ID}[data-ready='1']", timeout=20_000)
        yield page, problems
        browser.close()


READ_RANKED = """async ([chart, name]) => {
  const view = window.secondlookViews[chart];
  await view.runAsync();
  return view.data(name).map(d => ({pid: d.pid, R: d.R, rank: d.rank, change: d.change}));
}"""


def _browser_ranked(page, spec) -> pd.DataFrame:
    rows = page.evaluate(READ_RANKED, [CHART_ID, spec["usermeta"]["secondlook"]["ranked_data"]])
    return pd.DataFrame(rows).sort_values("rank").reset_index(drop=True)


def _check_against_python(ranked: pd.DataFrame, data, a, b, d, x) -> list[str]:
    ref = _reference_r(data, a, b, d, x)
    r = ranked.set_index("pid")["R"]
    assert len(r) == len(ref)
    assert np.allclose(r.loc[ref.index].to_numpy(), ref.to_numpy(), rtol=0, atol=1e-6)
    expected = playground_ranking(playground_r(data, a, b, d, x))
    assert ranked["pid"].tolist() == expected
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    return expected


@pytest.mark.browser
def test_browser_recomputes_ranking(browser_page, spec, data, config) -> None:
    page, problems = browser_page
    s = config.score
    default = _check_against_python(
        _browser_ranked(page, spec), data, s.a, s.b, s.d, dict(s.factors)
    )

    # A reader drags the a slider and picks VERY HIGH for one factor, in the real DOM.
    page.eval_on_selector(
        'input[name="a"]',
        """(el, v) => { el.value = v;
            el.dispatchEvent(new Event("input", {bubbles: true}));
            el.dispatchEvent(new Event("change", {bubbles: true})); }""",
        "1.5",
    )
    page.select_option('select[name="x_rules_violations"]', "VERY HIGH")
    page.wait_for_function(
        """(chart) => { const v = window.secondlookViews[chart];
            return v.signal("a") === 1.5 && v.signal("x_rules_violations") === "VERY HIGH"; }""",
        arg=CHART_ID,
        timeout=10_000,
    )
    ranked = _browser_ranked(page, spec)
    x = _weights(config, rules_violations="VERY HIGH")
    moved = _check_against_python(ranked, data, 1.5, s.b, s.d, x)
    assert moved != default
    # The membership chart's field: entered/left/stayed against the county's weights.
    top_now, top_default = set(moved[:TOP_N]), set(default[:TOP_N])
    change = ranked.set_index("pid")["change"]
    assert set(change[change == "entered"].index) == top_now - top_default
    assert set(change[change == "left"].index) == top_default - top_now
    assert set(change[change == "stayed in"].index) == top_now & top_default
    assert top_now != top_default

    out = ROOT / "test-artifacts" / "playground.png"
    out.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    assert problems == []
