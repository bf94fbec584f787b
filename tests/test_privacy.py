"""Small-cell suppression, pseudonyms, public views and the identifier scan."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from helpers.errors import InputError
from helpers.privacy import (
    SMALL_CELL,
    assert_no_identifiers,
    find_identifiers,
    for_mode,
    pseudonymise,
    public_view,
    suppress,
)


def test_primary_and_complementary_suppression_in_one_group() -> None:
    table = pd.DataFrame({"group": ["A", "B", "C", "D"], "n": [500, 4, 30, 120]})
    table["share"] = table["n"] / table["n"].sum()
    out = suppress(table, "n")
    assert SMALL_CELL == 11
    # B (4) is primary; C (30, next smallest) complementary; A and D stay.
    assert out["n"].isna().tolist() == [False, True, True, False]
    assert out["suppression"].tolist() == ["", "primary", "complementary", ""]
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out["share"].isna().tolist() == [False, True, True, False]
    assert out.loc[0, "n"] == 500 and out.loc[3, "n"] == 120
    # The total minus the published cells no longer reveals B.
    assert 654 - out["n"].sum() == 34


def test_no_complementary_when_two_cells_are_already_suppressed_and_zero_is_not_small() -> None:
    table = pd.DataFrame({"g": list("ABCD"), "n": [3, 7, 0, 400]})
    out = suppress(table, "n")
    assert out["n"].isna().tolist() == [True, True, False, False]
    assert out.loc[2, "n"] == 0 and out.loc[3, "n"] == 400
    assert (out["suppression"] == "complementary").sum() == 0


def test_threshold_boundaries() -> None:
    table = pd.DataFrame({"g": list("ABCD"), "n": [10, 11, 1, 12]})
    out = suppress(table, "n", threshold=11)
    # 10 and 1 are small; 11 and 12 are not.
    assert out["n"].isna().tolist() == [True, False, True, False]


def test_complementary_within_each_group_only() -> None:
    table = pd.DataFrame(
        {
            "dimension": ["race"] * 3 + ["age"] * 3,
            "group": ["X", "Y", "Z", "young", "mid", "old"],
            "n": [200, 5, 40, 300, 60, 80],
        }
    )
    out = suppress(table, "n", by="dimension")
    assert out["n"].isna().tolist() == [False, True, True, False, False, False]


def test_row_totals_and_derived_columns() -> None:
    table = pd.DataFrame(
        {
            "group": ["A", "B", "C"],
            "n": [100, 50, 300],
            "n_selected": [3, 20, 40],
            "n_not_selected": [97, 30, 260],
        }
    )
    table["rate"] = table["n_selected"] / table["n"]
    table["share_pop"] = table["n"] / 450
    out = suppress(
        table,
        ["n", "n_selected", "n_not_selected"],
        row_totals={"n": ["n_selected", "n_not_selected"]},
        derived={"rate": ["n", "n_selected"], "share_pop": ["n"]},
    )
    # A's 3 selected is primary; within row A the next smallest cell (97 not selected) goes too;
    # in column n_selected the next smallest (B's 20) goes, then B's row needs one more (30).
    assert pd.isna(out.loc[0, "n_selected"]) and pd.isna(out.loc[0, "n_not_selected"])
    assert out.loc[0, "n"] == 100
    assert pd.isna(out.loc[1, "n_selected"]) and pd.isna(out.loc[1, "n_not_selected"])
    assert out.loc[1, "n"] == 50 and out.loc[2, "n_selected"] == 40
    # Rates of A and B are gone, population shares stay.
    assert out["rate"].isna().tolist() == [True, True, False]
    assert out["share_pop"].notna().all()
    assert out.loc[2, "rate"] == pytest.approx(40 / 300)
    # No published total reveals a suppressed count: every column/row set has 0 or >= 2 hidden.
    hidden = out[["n", "n_selected", "n_not_selected"]].isna().to_numpy()
    assert all(h != 1 for h in hidden.sum(axis=0))
    assert all(h != 1 for h in hidden.sum(axis=1))


def test_two_way_table_suppressed_along_both_margins() -> None:
    rng = np.random.default_rng(3)
    rows = [(r, a) for r in "PQR" for a in "xyz"]
    n = rng.integers(40, 200, len(rows))
    n[0] = 6  # (P, x)
    table = pd.DataFrame({"race": [r for r, _ in rows], "age": [a for _, a in rows], "n": n})
    out = suppress(table, "n", by=[["race"], ["age"]])
    hidden = out.pivot(index="race", columns="age", values="n").isna().to_numpy()
    assert hidden[0, 0]
    assert all(h != 1 for h in hidden.sum(axis=0)) and all(h != 1 for h in hidden.sum(axis=1))
    assert hidden.sum() == 4  # a 2 x 2 rectangle is the smallest safe pattern


def test_for_mode_da_keeps_small_cells() -> None:
    table = pd.DataFrame({"g": ["A", "B"], "n": [3, 400]})
    assert for_mode(table, "da", "n")["n"].tolist() == [3, 400]
    assert for_mode(table, "public", "n")["n"].isna().all()
    with pytest.raises(InputError, match="mode must be"):
        for_mode(table, "press", "n")


def test_pseudonyms_stable_salted_and_not_reversible() -> None:
    ids = pd.Series(["a1b2c3d4", "0f0f0f0f", "a1b2c3d4", None])
    first = pseudonymise(ids, "s3cret")
    again = pseudonymise(ids, "s3cret")
    other = pseudonymise(ids, "another salt")
    assert first.tolist()[:3] == again.tolist()[:3]
    assert first[0] == first[2] and first[0] != first[1]
    assert pd.isna(first[3])
    assert first[0].startswith("P-") and len(first[0]) == 12
    assert first[0] != other[0]
    # It is the salted HMAC, not a plain (dictionary-attackable) hash of the id.
    expected = hmac.new(b"s3cret", b"a1b2c3d4", hashlib.sha256).hexdigest()[:10]
    assert first[0] == f"P-{expected}"
    assert hashlib.sha256(b"a1b2c3d4").hexdigest()[:10] not in first[0]
    assert "a1b2c3d4" not in "".join(first.dropna())


def test_pseudonyms_need_a_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECONDLOOK_SALT", raising=False)
    with pytest.raises(InputError, match="salt"):
        pseudonymise(["x"], None)
    monkeypatch.setenv("SECONDLOOK_SALT", "from-env")
    assert pseudonymise(["x"])[0] == pseudonymise(["x"], "from-env")[0]


def test_public_view_drops_identifiers_and_da_keeps_them() -> None:
    cand = pd.DataFrame(
        {
            "cdcno": ["a1b2c3d4", "12345678"],
            "name": ["DOE, JOHN", "ROE, RICHARD"],
            "birth_date": pd.to_datetime(["1960-01-01", "1990-05-05"]),
            "controlling_case_number": ["BA123456", "SCD111222"],
            "county": ["Los Angeles", "San Diego"],
            "R": [5.712, 10.693],
        }
    )
    public = public_view(cand, "public", salt="k")
    assert list(public.columns) == ["pseudo_id", "county", "R"]
    assert public["R"].tolist() == [5.712, 10.693]
    assert_no_identifiers(public, cand["cdcno"].tolist() + cand["name"].tolist())
    da = public_view(cand, "da")
    assert list(da.columns) == list(cand.columns)


def test_identifier_scan_whole_tokens(tmp_path) -> None:
    ids = ["a1b2c3d4", "12345678", "DOE, JOHN"]
    assert find_identifiers("count 912345678 and a1b2c3d4x", ids) == []
    assert find_identifiers("id=12345678;", ids) == ["12345678"]
    assert find_identifiers("<td>Doe, John</td>", ids) == ["doe, john"]
    frame = pd.DataFrame({"x": ["ok", "A1B2C3D4"]})
    with pytest.raises(AssertionError, match="1 identifier"):
        assert_no_identifiers(frame, ids)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>nothing here</p>")
    assert_no_identifiers(site, ids)
    (site / "data.json").write_text('{"id": "12345678"}')
    with pytest.raises(AssertionError):
        assert_no_identifiers(site, ids)
