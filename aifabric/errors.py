"""The project's errors. The CLI maps AifabricError to exit 2 with its one-line message."""

from __future__ import annotations


class AifabricError(Exception):
    """Base of every error caused by the user's input; rendered as one line, exit code 2."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SpecError(AifabricError):
    """A spec, catalog or data file is malformed: names the file, line, field and what is allowed."""

    def __init__(self, file: str | None, field: str | None, problem: str, line: int | None = None):
        self.file = file
        self.field = field
        self.problem = problem
        self.line = line
        where = file or "<flags>"
        if line is not None:
            where = f"{where}:{line}"
        text = f"{where}: {field}: {problem}" if field else f"{where}: {problem}"
        super().__init__(text)


class SpecErrors(AifabricError):
    """Several SpecErrors from one file, reported at once (one per line)."""

    def __init__(self, errors: list[SpecError]):
        self.errors = errors
        super().__init__("\n".join(e.message for e in errors))


class CatalogError(AifabricError):
    """An unknown catalog id or a malformed catalog entry."""


class DesignError(AifabricError):
    """A design that cannot be built as specified; the message says what to change, `field` which spec field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class RoutingError(AifabricError):
    """No route, or no diverse route, exists for a demand; the message names the shared risk."""


class OutputError(AifabricError):
    """An output path cannot be written."""


class NetboxError(AifabricError):
    """NetBox refused a request, cannot be reached, or lacks a model the plan needs; one line naming the object."""
