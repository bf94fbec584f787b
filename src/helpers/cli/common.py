"""What every command shares: bad input becomes one line on stderr and exit status 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from helpers.errors import InputError


def os_error_line(exc: OSError) -> str:
    """One line for a file or folder that cannot be read or written: ``<path>: <why>``."""
    why = exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, FileExistsError | NotADirectoryError):
        why = f"{why} (a file stands where an output folder is needed)"
    return why if exc.filename is None else f"{exc.filename}: {why}"


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`InputError`, and a file or folder that cannot be read or written (an output
    folder without write permission, a file where a folder should be), into a one-line message
    on stderr and exit status 2."""
    try:
        yield
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        typer.echo(f"error: {os_error_line(exc)}", err=True)
        raise typer.Exit(2) from None
