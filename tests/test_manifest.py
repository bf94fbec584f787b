"""The as-of date is recorded once at ingest and every step uses it; a different --as-of fails."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.cli import app
from helpers.data.ingest import ingest, load_dataset, write_processed
from helpers.data.manifest import read_manifest
from helpers.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
AS_OF = "2026-05-01"


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    write_processed(ingest(SAMPLE, AS_OF), out)
    return out


def test_manifest_round_trip_and_stable_bytes(processed: Path, tmp_path: Path) -> None:
    manifest = read_manifest(processed)
    assert manifest.as_of == date(2026, 5, 1)
    assert manifest.tables["people"] > 0 and all(len(i.sha256) == 64 for i in manifest.inputs)
    assert {"pandas", "numpy", "secondlook", "python"} <= set(manifest.versions)
    again = tmp_path / "again"
    write_processed(ingest(SAMPLE, AS_OF), again)
    assert (again / "manifest.json").read_bytes() == (processed / "manifest.json").read_bytes()


def test_dataset_carries_the_ingest_date(processed: Path) -> None:
    dataset = load_dataset(processed)
    assert dataset.as_of == date(2026, 5, 1)
    assert load_dataset(processed, AS_OF).as_of == dataset.as_of
    assert set(dataset.tables) >= {"people", "offenses"}


def test_a_different_as_of_is_refused(processed: Path) -> None:
    with pytest.raises(InputError, match=r"--as-of 2025-06-30 differs .*\(2026-05-01"):
        load_dataset(processed, "2025-06-30")


def test_raw_files_need_an_as_of_date() -> None:
    with pytest.raises(InputError, match="raw files need an as-of date"):
        load_dataset(SAMPLE)
    assert load_dataset(SAMPLE, AS_OF).as_of == date(2026, 5, 1)


def test_broken_manifest_is_a_one_line_error(processed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for p in processed.glob("*.parquet"):
        (folder / p.name).write_bytes(p.read_bytes())
    with pytest.raises(InputError, match="has no manifest.json"):
        load_dataset(folder)
    data = json.loads((processed / "manifest.json").read_text())
    del data["as_of"]
    (folder / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="not a manifest written by `secondlook ingest`"):
        load_dataset(folder)


@pytest.mark.parametrize(
    "command",
    [
        ["screen", "--county", "Alameda"],
        ["audit", "--county", "Alameda"],
        ["annual-report", "--county", "Alameda", "--year", "2025"],
        ["train", "--county", "Alameda"],
    ],
    ids=lambda c: c[0],
)
def test_commands_refuse_a_second_date(processed: Path, tmp_path: Path, command: list[str]) -> None:
    result = CliRunner().invoke(
        app,
        [*command, "--data", str(processed), "--out", str(tmp_path / "o"), "--as-of", "2025-06-30"],
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "differs from the as-of date of the data (2026-05-01" in lines[0]
