"""What `secondlook sample` writes, `secondlook ingest` reads with zero quarantined rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from helpers.cli import app
from helpers.data.ingest import ingest, load_processed

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    result = runner.invoke(app, ["sample", "--people", "3000", "--seed", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_sample_then_ingest_quarantines_nothing(sample_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ingest", str(sample_dir), "--as-of", "2025-01-01", "--out", str(tmp_path / "p")]
    )
    assert result.exit_code == 0, result.output
    assert "0 quarantined" in result.output
    tables = load_processed(tmp_path / "p")
    demographics = pd.read_csv(sample_dir / "demographics.csv", dtype=str)
    current = pd.read_csv(sample_dir / "current_commitments.csv", dtype=str)
    prior = pd.read_csv(sample_dir / "prior_commitments.csv", dtype=str)
    assert len(tables["people"]) == len(demographics) == 3000
    offenses = tables["offenses"]
    assert (offenses["role"] == "current").sum() == len(current)
    assert (offenses["role"] == "prior").sum() == len(prior)
    # The DSA extras were found and joined.
    people = tables["people"]
    assert (people["age_source"] == "birth_date").all()
    assert people["gender"].notna().all()
    assert {"violations", "credits", "factors", "decisions"} <= set(tables)
    assert people["county"].notna().all() and people["controlling_offense_key"].notna().all()


def test_committed_sample_ingests_cleanly() -> None:
    result = ingest(ROOT / "data" / "sample", "2026-05-01")
    assert result.quarantine.empty
    assert len(result.tables["people"]) == 2000
    assert (ROOT / "data" / "sample" / "README.md").read_text().splitlines()[0].upper().count(
        "SYNTHETIC"
    ) >= 1


def test_sample_is_deterministic(sample_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = runner.invoke(app, ["sample", "--people", "3000", "--seed", "5", "--out", str(again)])
    assert result.exit_code == 0
    for name in ("demographics.csv", "current_commitments.csv", "prior_commitments.csv"):
        assert (again / name).read_bytes() == (sample_dir / name).read_bytes()
