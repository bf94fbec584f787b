"""What every command shares: bad input becomes one line on stderr and exit status 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from helpers.errors import InputError


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`InputError` into a one-line message on stderr and exit status 2."""
    try:
        yield
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
