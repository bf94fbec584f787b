"""Every offense scored, or said so: a person whose current offense has no level is never ranked
among (let alone above) the scored people."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.data.ingest import ingest
from helpers.screening.candidates import build_candidates
from helpers.screening.config import load_config
from helpers.screening.score import offense_sums, rank_within_county, score

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
AS_OF = "2026-05-01"


def _people(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cdcno": [f"p{i}" for i in range(n)],
            "county": "Kern",
            "age": 40.0,
            "age_at_offense": 30.0,
            "time_served_years": 10.0,
            "controlling_code": "PC",
            "controlling_section": "211",
            "controlling_subdivision": "",
            "controlling_degree": "2nd",
            "controlling_attempt": False,
            "controlling_offense_key": "PC211",
        }
    )


def _count(oid: int, cdcno: str, role: str, code: str, section: str, sub: str = "") -> dict:
    return {
        "offense_id": oid,
        "cdcno": cdcno,
        "role": role,
        "code": code,
        "section": section,
        "subdivision": sub,
        "degree": "",
        "attempt": False,
        "offense_key": f"{code}{section}{sub}",
        "offense_begin_date": pd.Timestamp("2010-01-01"),
        "offense_end_date": pd.Timestamp("2010-01-01"),
        "stayed": False,
    }


def _tables() -> dict:
    offenses = pd.DataFrame(
        [
            _count(0, "p0", "current", "PC", "211"),
            _count(1, "p1", "current", "PC", "99999"),  # no level anywhere
            _count(2, "p2", "current", "PC", "211"),
            _count(3, "p2", "prior", "PC", "99998"),  # an unlevelled prior
            _count(4, "p3", "current", "PC", "211"),
        ]
    )
    enh = pd.DataFrame(
        [
            {
                **{k: v for k, v in _count(4, "p3", "current", "PC", "1203.06").items()},
                "offense_id": 4,
            }
        ]
    )
    return {"people": _people(4), "offenses": offenses, "enhancements": enh}


def test_unlevelled_current_offense_or_enhancement_cannot_be_scored() -> None:
    out = score(_tables(), load_config(None), AS_OF).set_index("cdcno")
    assert out["score_status"].tolist() == ["scored", "cannot_score", "scored", "cannot_score"]
    assert out.loc["p1", "unscored_current"] == "PC 99999"
    assert out.loc["p3", "unscored_current"] == "PC 1203.06 (enhancement)"
    assert pd.isna(out.loc["p1", "R"]) and pd.isna(out.loc["p3", "R"])
    assert np.isfinite(out.loc["p0", "R"])


def test_unlevelled_priors_are_listed_and_left_out() -> None:
    sums = offense_sums(_tables(), load_config(None).score, AS_OF).set_index(_people(4)["cdcno"])
    assert sums.loc["p2", "unscored_priors"] == "PC 99998"
    assert sums.loc["p2", "prior_sum"] == 0 and sums.loc["p2", "levels_missing"] == 1
    assert not sums.loc["p2", "cannot_score"]


def test_controlling_offense_without_a_level_cannot_be_scored() -> None:
    people = _people(1).assign(controlling_section="99999", controlling_offense_key="PC99999")
    out = score({"people": people}, load_config(None), AS_OF)
    assert out.loc[0, "score_status"] == "cannot_score"
    assert out.loc[0, "unscored_current"] == "PC 99999 (2nd)"


def test_cannot_score_ranks_after_every_scored_person_of_the_same_eligibility() -> None:
    frame = pd.DataFrame(
        {
            "cdcno": ["a", "b", "c", "d", "e"],
            "county": "Kern",
            "eligibility": ["eligible", "eligible", "eligible", "not eligible", "unknown"],
            "R": [50.0, np.nan, 60.0, 1.0, 2.0],
            "score_status": ["scored", "cannot_score", "scored", "scored", "scored"],
            "age": 40.0,
            "time_served_years": 10.0,
        }
    )
    ranks = dict(zip(frame["cdcno"], rank_within_county(frame), strict=True))
    assert ranks == {"a": 1, "c": 2, "b": 3, "e": 4, "d": 5}


@pytest.mark.slow
def test_recoding_one_current_offense_never_moves_a_person_above_the_scored(
    tmp_path: Path,
) -> None:
    """The failure this guards against: one murder conviction recoded to an unmapped section
    moved its person from the middle of the list to rank 1 of 2,000."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("demographics.csv", "current_commitments.csv", "prior_commitments.csv"):
        shutil.copy(SAMPLE / name, raw / name)
    tables = ingest(raw, AS_OF).tables
    config = load_config(None)
    base = build_candidates(tables, None, config, AS_OF)
    assert base["score_status"].eq("scored").all()
    # A person in the middle of the eligible (or, failing that, the unknown) list.
    pool = base[base["eligibility"].eq("eligible")]
    who = pool.sort_values("rank").iloc[len(pool) // 2]["cdcno"]
    offenses = tables["offenses"].copy()
    mutate = offenses["cdcno"].eq(who) & offenses["role"].eq("current")
    first = offenses.index[mutate][0]
    offenses.loc[first, ["section", "subdivision", "offense_key"]] = ["99999", "", "PC99999"]
    changed = build_candidates({**tables, "offenses": offenses}, None, config, AS_OF)
    row = changed.set_index("cdcno").loc[who]
    assert row["score_status"] == "cannot_score" and pd.isna(row["R"])
    assert "PC 99999" in row["unscored_current"]
    peers = changed[
        changed["county"].eq(row["county"]) & changed["eligibility"].eq(row["eligibility"])
    ]
    scored = peers[peers["score_status"].eq("scored")]
    assert len(scored) > 0 and (scored["rank"] < row["rank"]).all()
