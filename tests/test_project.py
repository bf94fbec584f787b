"""Project-level checks: every command has --help, environment.yml matches the lock."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_group(app)
    return sorted(group.commands)


def test_core_commands_exist() -> None:
    assert {"sample", "ingest", "book"} <= set(command_names())


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output and len(result.output.splitlines()) > 4


def test_environment_yml_matches_requirements_lock() -> None:
    spec = importlib.util.spec_from_file_location(
        "sync_environment", ROOT / "scripts" / "sync_environment.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "environment.yml").read_text() == module.render()


def test_pyproject_pins_agree_with_lock() -> None:
    import tomllib

    lock = dict(
        line.split("==")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    )
    lock = {k.lower(): v for k, v in lock.items()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = project["dependencies"] + project["optional-dependencies"]["dev"]
    for pin in pins:
        name, version = pin.split("==")
        assert lock[name.lower()] == version, pin
