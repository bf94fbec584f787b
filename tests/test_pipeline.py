"""The county pipeline: every notebook runs on the small sample, outputs are cached and private."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.counties import slug
from helpers.data.ingest import ingest, write_processed
from helpers.pipeline import NOTEBOOKS, RunSettings, run, run_county
from helpers.privacy import find_identifiers

ROOT = Path(__file__).resolve().parents[1]
COUNTIES = ["Los Angeles", "San Bernardino"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    write_processed(ingest(ROOT / "data" / "sample", "2026-05-01"), out)
    return out


@pytest.fixture(scope="module")
def public_run(processed: Path, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("run")
    settings = RunSettings(
        data=processed,
        as_of="2026-05-01",
        jobs=2,
        out_root=root / "counties",
        shared_root=root / "shared",
    )
    results = run(settings, COUNTIES, progress=False)
    return settings, results


def errors_in(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [
        o["ename"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def test_every_notebook_runs_for_two_counties(public_run) -> None:
    settings, results = public_run
    assert [r.status for r in results] == ["ran", "ran"]
    for county in COUNTIES:
        folder = settings.output_root() / slug(county)
        for name in NOTEBOOKS:
            path = folder / f"{name}.ipynb"
            assert path.exists(), path
            assert errors_in(path) == []
            nb = nbformat.read(path, as_version=4)
            assert nb.cells[0].source.startswith(f"# {county}:")  # county name in the title
            code = [c for c in nb.cells if c.cell_type == "code"]
            assert all(
                {"hide-input", "remove-cell"} & set(c.metadata.get("tags", [])) for c in code
            )
    log = json.loads((settings.output_root() / "run.json").read_text())
    assert [r["status"] for r in log["results"]] == ["ran", "ran"]


def test_unchanged_counties_are_skipped(public_run) -> None:
    settings, _ = public_run
    again = run(settings, COUNTIES, progress=False)
    assert [r.status for r in again] == ["skipped", "skipped"]


def test_public_outputs_hold_no_identifier(public_run) -> None:
    settings, _ = public_run
    people = pd.read_csv(ROOT / "data" / "sample" / "demographics.csv", dtype=str)
    current = pd.read_csv(ROOT / "data" / "sample" / "current_commitments.csv", dtype=str)
    dsa = pd.read_csv(ROOT / "data" / "sample" / "dsa" / "demographics.csv", dtype=str)
    identifiers = (
        set(people["cdcno"]) | set(people["controlling case number"]) | set(current["case number"])
    )
    identifiers |= set(dsa["Offender's Name"])
    found = find_identifiers(settings.output_root(), identifiers)
    assert not found


def test_a_failing_county_is_recorded_not_raised(tmp_path: Path) -> None:
    parameters = {
        "data": str(tmp_path),
        "shared": str(tmp_path / "missing"),
        "as_of": "2026-05-01",
        "mode": "public",
        "seed": 1,
    }
    result = run_county("Alameda", parameters, ("01-clean",), str(tmp_path / "alameda"))
    assert result.status == "failed"
    assert "FileNotFoundError" in result.error
    assert (tmp_path / "alameda" / "ERROR.txt").read_text().startswith("FileNotFoundError")


def test_da_mode_keeps_identifiers_outside_the_site(
    processed: Path, tmp_path: Path, public_run
) -> None:
    settings, _ = public_run
    shutil.copytree(settings.shared_root, tmp_path / "shared")
    da = RunSettings(
        data=processed,
        as_of="2026-05-01",
        mode="da",
        jobs=1,
        out_root=tmp_path / "da",
        shared_root=tmp_path / "shared",
        notebooks=("02-score",),
    )
    [result] = run(da, ["Los Angeles"], progress=False)
    assert result.status == "ran"
    nb = (tmp_path / "da" / "los-angeles" / "02-score.ipynb").read_text()
    people = pd.read_csv(ROOT / "data" / "sample" / "demographics.csv", dtype=str)
    la = people[people["controlling case sentencing county"] == "Los Angeles"]
    assert any(cdcno in nb for cdcno in la["cdcno"])
