"""``secondlook screen`` end to end on the raw fixture, and build_candidates on ingested tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from helpers.cli import app
from helpers.data.ingest import ingest, ingest_folder
from helpers.errors import InputError
from helpers.screening.candidates import (
    CANDIDATE_COLUMNS,
    build_candidates,
    screen_folder,
    summary,
    write_screen_outputs,
)
from helpers.screening.config import load_config

AS_OF = "2023-12-31"


@pytest.fixture
def tables(raw_dir: Path) -> dict:
    return ingest(raw_dir, AS_OF).tables


def test_screen_writes_every_output(raw_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "screen",
            "--data",
            str(raw_dir),
            "--county",
            "Los Angeles",
            "--as-of",
            AS_OF,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in (
        "candidates.csv",
        "candidates.xlsx",
        "summary.json",
        "outliers.csv",
        "sensitivity.csv",
    ):
        assert (out / name).exists(), name
    cand = pd.read_csv(out / "candidates.csv", dtype={"cdcno": str})
    assert cand["cdcno"].tolist() == ["a1b2c3d4", "0f0f0f0f"]  # the two LA people, in rank order
    assert set(CANDIDATE_COLUMNS) <= set(cand.columns)
    assert cand["rank"].tolist() == [1, 2]
    info = json.loads((out / "summary.json").read_text())
    assert info["people"] == 2 and info["county"] == "Los Angeles"
    assert info["config"]["name"] == "Los Angeles"
    assert info["eligible"] + info["not_eligible"] + info["unknown"] == 2
    excel = pd.read_excel(out / "candidates.xlsx", dtype={"cdcno": str})
    assert excel["cdcno"].tolist() == cand["cdcno"].tolist()
    sens = pd.read_csv(out / "sensitivity.csv")
    assert {"weight", "step", "overlap_at_k", "kendall_tau"} <= set(sens.columns)
    assert "a" in set(sens["weight"]) and sens["overlap_at_k"].between(0, 1).all()
    assert "2 people (Los Angeles, config Los Angeles)" in result.output


def test_la_adult_failures_in_words(tables: dict) -> None:
    cand = build_candidates(tables, "Los Angeles", load_config("Los Angeles"), AS_OF).set_index(
        "cdcno"
    )
    robbery = cand.loc["a1b2c3d4"]
    assert robbery["eligibility"] == "not eligible"
    # Every failing count, with its case and the statute that makes it fail.
    assert robbery["failed_rules"] == (
        "current_offenses: current offense PC 211 (2nd) in case BA123456 is serious "
        "(PC 1192.7(c)(19))/violent (PC 667.5(c)(9)); current offense PC 245(a)(1) in case "
        "BA123456 is serious (PC 1192.7(c)(31))"
    )
    assert robbery["near_miss"] == robbery["failed_rules"]
    assert robbery["passed_rules"] == "age | sentence | served | prior_offenses"
    murder = cand.loc["0f0f0f0f"]
    assert murder["failed_rules"].startswith("age: age 45 is under 50 | current_offenses: ")
    assert (
        "current offense PC 187 (2nd) in case VA654321 is serious (PC 1192.7(c)(1))"
        "/violent (PC 667.5(c)(1))" in murder["failed_rules"]
    )
    assert murder["near_miss"] == "" and pd.isna(murder["eligible_on"])


def test_all_counties_and_statewide_config(tables: dict) -> None:
    cand = build_candidates(tables, None, load_config(None), AS_OF)
    assert len(cand) == 4
    assert cand.groupby("county")["rank"].min().eq(1).all()
    # San Diego: 6-year drug sentence -> fails the statewide 20-year rule, not serious/violent.
    sd = cand.set_index("cdcno").loc["12345678"]
    assert sd["failed_rules"].startswith(
        "sentence: sentence 6.0 years is under 20 | served: served 3.0 years, under 10"
    )
    assert "serious" not in sd["failed_rules"]
    info = summary(cand)
    assert info["people"] == 4 and info["rules"]["sentence"]["failed"] == 1


def test_cdcr_referral_excludes_lwop(tables: dict) -> None:
    config = load_config(None, Path("configs/presets/cdcr_referral.yaml"))
    cand = build_candidates(tables, "Alameda", config, AS_OF)
    assert cand["cdcno"].tolist() == ["deadbeef"]
    assert cand.loc[0, "failed_rules"] == "sentence_type: sentence type is Life w/o Parole"
    # Without a DSA flag, a murder may be registrable (PC 290(c)): the registrant rule is undecided.
    assert cand.loc[0, "undecided_rules"] == "registrant"
    assert "whether the murder was committed in the perpetration" in cand.loc[0, "unknown_rules"]


def test_bad_county_and_bad_config_exit_2(raw_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["screen", "--data", str(raw_dir), "--as-of", AS_OF, "--out", str(tmp_path / "o")]
    bad = runner.invoke(app, [*args, "--county", "Atlantis"])
    assert bad.exit_code == 2 and "unknown California county 'Atlantis'" in bad.output
    cfg = tmp_path / "x.yaml"
    cfg.write_text("extends: la_adult\nscore: {a: LOTS}\n")
    bad = runner.invoke(app, [*args, "--county", "Los Angeles", "--config", str(cfg)])
    assert bad.exit_code == 2 and "x.yaml: key 'score.a': expected a finite number" in bad.output


def test_screen_folder_uses_the_data_date_and_refuses_another(
    raw_dir: Path, tmp_path: Path
) -> None:
    processed = tmp_path / "processed"
    ingest_folder(raw_dir, processed, AS_OF)
    info = screen_folder(processed, tmp_path / "out", county="Los Angeles")
    assert info["as_of"] == AS_OF and info["county"] == "Los Angeles"
    assert json.loads((tmp_path / "out" / "summary.json").read_text()) == info
    with pytest.raises(InputError, match="differs from the as-of date of the data"):
        screen_folder(processed, tmp_path / "other", as_of="2024-01-01")


def test_write_screen_outputs_returns_what_it_wrote(tables: dict, tmp_path: Path) -> None:
    config = load_config(None)
    cand = build_candidates(tables, None, config, AS_OF)
    info = write_screen_outputs(cand, config, tmp_path, top_k=2, about={"data": "fixture"})
    assert info == summary(cand, config) | {"data": "fixture"}
    outliers = pd.read_csv(tmp_path / "outliers.csv")
    assert list(outliers.columns)[:3] == ["county", "outlier_rank", "cdcno"]
    sens = pd.read_csv(tmp_path / "sensitivity.csv")
    assert set(sens["k"]) == {2}
    excel = pd.read_excel(tmp_path / "candidates.xlsx", dtype={"cdcno": str})
    assert len(excel) == len(cand)
