"""One error type for bad input: a clear one-line message naming file, row and column."""

from __future__ import annotations


class InputError(Exception):
    """Raised for input a user must fix; the CLI prints ``str(error)`` and exits with status 2."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file, self.row, self.column, self.reason = file, row, column, message
        where = []
        if file:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"option {column}" if column.startswith("--") else f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
