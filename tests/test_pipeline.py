"""The county pipeline: every notebook runs on the small sample, outputs are cached and private."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import jupytext
import nbformat
import pandas as pd
import pytest
from typer.testing import CliRunner

from helpers.cli import app
from helpers.counties import slug
from helpers.data.ingest import ingest, write_processed
from helpers.errors import InputError
from helpers.pipeline import (
    MANIFEST_FILE,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    RUN_LOG,
    CountyResult,
    RunReport,
    RunSettings,
    notebook_parameters,
    read_run_manifest,
    run,
    run_county,
    write_run_manifest,
)
from helpers.privacy import find_identifiers

ROOT = Path(__file__).resolve().parents[1]
COUNTIES = ["Los Angeles", "San Bernardino"]
runner = CliRunner()


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


@pytest.mark.slow
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
    log = json.loads((settings.output_root() / RUN_LOG).read_text())
    assert [r["status"] for r in log["results"]] == ["ran", "ran"]
    assert log["started"] <= log["finished"]  # wall-clock times live in the run log only


@pytest.mark.slow
def test_unchanged_counties_are_skipped_and_the_manifest_is_reproducible(public_run) -> None:
    settings, _ = public_run
    before = (Path(settings.shared_root) / MANIFEST_FILE).read_bytes()
    again = run(settings, COUNTIES, progress=False)
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert (Path(settings.shared_root) / MANIFEST_FILE).read_bytes() == before


@pytest.mark.slow
def test_the_run_manifest_records_the_data_and_the_statewide_steps(public_run, processed) -> None:
    settings, _ = public_run
    manifest = read_run_manifest(settings.shared_root)
    assert manifest.as_of.isoformat() == "2026-05-01"  # the date recorded at ingest
    assert manifest.processed == processed
    assert set(manifest.candidates) == set(manifest.config_hashes)
    assert len(manifest.candidates) == 58
    assert manifest.model.predictions.exists() and manifest.statewide_candidates.exists()
    assert re.fullmatch(r"[0-9a-f]{64}", manifest.code_hash)
    assert "created" not in json.loads((settings.shared_root / MANIFEST_FILE).read_text())
    # The statewide audit compares the model's selection too (the model step's predictions).
    audit = pd.read_csv(manifest.audit / "selection_audit.csv")
    assert audit["selection"].str.contains("model").any()


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_failing_county_is_recorded_not_raised(tmp_path: Path) -> None:
    parameters = {"shared": str(tmp_path / "missing"), "mode": "public"}
    result = run_county("Alameda", parameters, ("01-clean",), str(tmp_path / "alameda"))
    assert result.status == "failed"
    assert "InputError" in result.error and MANIFEST_FILE in result.error
    assert (tmp_path / "alameda" / "ERROR.txt").read_text().startswith("InputError")


@pytest.mark.slow
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
        notebooks=("02-score", "05-county-report"),
    )
    [result] = run(da, ["Los Angeles"], progress=False)
    assert result.status == "ran", result.error
    # the DA export honours the output folder: beneath it, never in the checkout
    export = tmp_path / "da" / "los-angeles" / "export"
    assert {p.name for p in export.iterdir()} >= {"candidates.csv", "candidates.xlsx"}
    nb = (tmp_path / "da" / "los-angeles" / "02-score.ipynb").read_text()
    people = pd.read_csv(ROOT / "data" / "sample" / "demographics.csv", dtype=str)
    la = people[people["controlling case sentencing county"] == "Los Angeles"]
    assert any(cdcno in nb for cdcno in la["cdcno"])


# --------------------------------------------------------------------------------------------------
# Without running notebooks
# --------------------------------------------------------------------------------------------------


def _parameter_names(name: str) -> list[str]:
    nb = jupytext.read(NOTEBOOK_DIR / f"{name}.md")
    [cell] = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    return [line.split("=")[0].strip() for line in cell.source.splitlines() if "=" in line]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_parameter_is_given_and_used(name: str) -> None:
    names = _parameter_names(name)
    given = {"county", *notebook_parameters(RunSettings(data=Path("data"))).keys()}
    if name == "05-county-report":  # its DA export goes beneath the county's output folder
        given.add("out_dir")
    assert set(names) == given
    code = "\n".join(
        c.source
        for c in jupytext.read(NOTEBOOK_DIR / f"{name}.md").cells
        if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
    )
    for parameter in names:
        assert re.search(rf"\b{parameter}\b", code), f"{name}: parameter {parameter} is unused"


def test_settings_refuse_an_unknown_mode_or_notebook() -> None:
    with pytest.raises(InputError, match="mode must be"):
        RunSettings(data=Path("data"), mode="press")
    with pytest.raises(InputError, match="unknown notebook '06-extra'"):
        RunSettings(data=Path("data"), notebooks=("01-clean", "06-extra"))


def test_the_run_manifest_is_read_by_one_function(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no run manifest") as missing:
        read_run_manifest(tmp_path)
    assert str(tmp_path / MANIFEST_FILE) in str(missing.value)
    (tmp_path / MANIFEST_FILE).write_text('{"as_of": "2026-05-01"}')
    with pytest.raises(InputError, match="not a run manifest") as malformed:
        read_run_manifest(tmp_path)
    assert len(str(malformed.value).splitlines()) == 1
    (tmp_path / MANIFEST_FILE).write_text("[1, 2")
    with pytest.raises(InputError, match="not a run manifest"):
        read_run_manifest(tmp_path)


@pytest.mark.slow
def test_the_run_manifest_round_trips(public_run, tmp_path: Path) -> None:
    settings, _ = public_run
    manifest = read_run_manifest(settings.shared_root)
    write_run_manifest(replace(manifest, seed=7), tmp_path)
    assert read_run_manifest(tmp_path) == replace(manifest, seed=7)


def test_the_report_counts_outcomes_and_names_failures(tmp_path: Path) -> None:
    report = RunReport(
        [
            CountyResult("Alameda", "ran"),
            CountyResult("Kern", "skipped"),
            CountyResult("Inyo", "failed", error="InputError: bad\nmore"),
        ],
        tmp_path,
    )
    assert report.summary() == f"1 counties ran, 1 unchanged (skipped), 1 failed -> {tmp_path}"
    assert report.failures() == ["  FAILED Inyo: InputError: bad"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--counties", "Alameda", "--mode", "press"], "mode must be 'public' or 'da'"),
        (["--counties", "Alameda", "--notebooks", "01-clean,07-x"], "unknown notebook '07-x'"),
        (["--counties", "Atlantis"], "Atlantis"),
        (["--counties", "Alameda", "--as-of", "May 2026"], "option --as-of: must be a date"),
        ([], "--all"),
    ],
)
def test_the_run_command_fails_in_one_line(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["run", *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_raw_files_without_an_as_of_date_are_refused(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "raw")
    result = runner.invoke(app, ["run", "--counties", "Alameda", "--data", str(tmp_path / "raw")])
    assert result.exit_code == 2
    assert "raw files need an as-of date" in result.output


@pytest.mark.slow
def test_the_worker_kernel_talks_over_ipc_not_tcp() -> None:
    """No "Kernel is running over TCP without encryption" warning: local IPC sockets instead."""
    from helpers.pipeline import kernel

    km = kernel.kernel_manager()
    try:
        assert km.transport == "ipc"
        sockets = Path(km.ip).parent
        assert sockets.is_dir() and sockets.name.startswith("secondlook-kernel-")
    finally:
        kernel._shutdown_kernel()
    assert not sockets.exists()
