"""The ``secondlook`` command line: a thin layer that parses arguments and calls the modules.

Each family of commands lives in its own ``*_cli.py`` module exposing ``register(app)``; heavy imports
stay inside the command functions so that ``secondlook --help`` is instant.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="secondlook",
    help=(
        "Find people in California prisons whose cases deserve a second look (PC 1172.1 resentencing, "
        "Prop 64 cannabis relief) and audit how it is done."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules that add commands, in the order their commands are listed in --help.
COMMAND_MODULES = (
    "helpers.data_cli",
    "helpers.analysis_cli",
    "helpers.audit_cli",
    "helpers.model_cli",
    "helpers.accountability_cli",
    "helpers.prop64.cli",
    "helpers.pipeline_cli",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command family not built yet
            if exc.name == name:
                continue
            raise
        module.register(app)


_register_all()


def main() -> None:
    """Entry point of the ``secondlook`` console script."""
    app()


if __name__ == "__main__":
    main()
