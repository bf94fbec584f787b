"""The ``secondlook`` command line: one Typer app, one module per family of commands.

Each command parses its options, calls one library function and prints what it returns; no computing,
plotting or file writing happens here.  Heavy imports stay inside the command functions so that
``secondlook --help`` is instant.
"""

from __future__ import annotations

import typer

from helpers.cli import accountability, audit, data, model, pipeline, prop64, screening

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

# Families of commands, in the order their commands are listed in --help.
for _family in (data, screening, audit, model, accountability, prop64, pipeline):
    _family.register(app)


def main() -> None:
    """Entry point of the ``secondlook`` console script."""
    app()


__all__ = ["app", "main"]
