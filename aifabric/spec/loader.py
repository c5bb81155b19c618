"""YAML loading that remembers the line of every field, and pydantic validation with line-aware errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from aifabric.errors import SpecError, SpecErrors

if TYPE_CHECKING:
    import yaml

Model = TypeVar("Model", bound=BaseModel)
LineMap = dict[tuple, int]

MAX_SPEC_BYTES = 16 * 1024 * 1024


class _DuplicateKey(Exception):
    def __init__(self, path: tuple, line: int, first_line: int):
        super().__init__(path)
        self.path, self.line, self.first_line = path, line, first_line


def _line_map(node: yaml.Node, path: tuple = (), lines: LineMap | None = None) -> LineMap:
    """Return {field path: 1-based line} for every mapping key and sequence item under node."""
    import yaml

    lines = {} if lines is None else lines
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKey(path + (key,), line, seen[key])
            seen[key] = line
            lines[path + (key,)] = line
            _line_map(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[path + (index,)] = item.start_mark.line + 1
            _line_map(item, path + (index,), lines)
    return lines


def read_text(path: str | Path, what: str = "spec") -> str:
    """Return the text of a file the user named, or raise SpecError saying why it cannot be read."""
    source = Path(path)
    if not source.exists():
        raise SpecError(str(path), None, f"{what} file does not exist")
    if source.is_dir():
        raise SpecError(str(path), None, f"is a directory; give a {what} file")
    if source.stat().st_size > MAX_SPEC_BYTES:
        raise SpecError(str(path), None, f"{what} file is larger than {MAX_SPEC_BYTES // (1024 * 1024)} MiB")
    try:
        return source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError(str(path), None, f"{what} file is not UTF-8 text") from None
    except OSError as exc:
        raise SpecError(str(path), None, f"cannot read {what} file ({exc.strerror})") from None


def load_yaml(path: str | Path, what: str = "spec") -> tuple[Any, LineMap]:
    """Return (data, line map) of a YAML file, loaded safely (no object-constructing tags)."""
    # PyYAML is imported here, not with this module: a plan from flags alone reads no YAML (the shipped catalog
    # comes from its pickled copy) and need not pay PyYAML's import (≈10 ms, mostly compiling its regexes).
    import yaml

    text = read_text(path, what)
    # libyaml's safe loader when present (10x faster); both construct only plain data, never objects.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise SpecError(str(path), None, f"YAML syntax error: {problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise SpecError(str(path), None, f"YAML error: {exc}") from None
    except ValueError as exc:
        # A scalar YAML types but cannot build, such as the date 2027-13-30 (month 13).
        raise SpecError(str(path), None, f"invalid value: {exc}; dates are YYYY-MM-DD") from None
    finally:
        loader.dispose()
    try:
        lines = _line_map(node) if node is not None else {}
    except _DuplicateKey as dup:
        # YAML would silently keep the last value; a hand-edited spec with two values is a mistake.
        raise SpecError(str(path), field_name(dup.path), f"duplicate key (first given on line {dup.first_line})",
                        line=dup.line) from None
    return data, lines


def field_name(loc: tuple) -> str:
    """Return a dotted field path such as demands[2].capacity_tbps."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def _line_of(lines: LineMap, loc: tuple) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _describe(error: dict, model: type[BaseModel]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return f"unknown field; allowed fields: {', '.join(sorted(_allowed_fields(model, error['loc'])))}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number, got {value!r}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number, got {value!r}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {"greater_than": "> ", "greater_than_equal": ">= ", "less_than": "< ", "less_than_equal": "<= "}[kind]
        return f"must be {bound}{list(ctx.values())[0]}, got {value!r}"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected')}, got {value!r}"
    if kind in ("string_type",):
        return f"must be text, got {value!r}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of fields, got {type(value).__name__}"
    if kind == "list_type":
        return f"must be a list, got {type(value).__name__}"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"must be true or false, got {value!r}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s), got {ctx.get('actual_length')}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if pattern.startswith("^[a-z0-9]"):
            return f"must be a lowercase kebab-case id (a-z, 0-9, '-'), got {value!r}"
        if pattern.startswith("^[A-Za-z0-9]"):
            return f"must be letters, digits, '.', '_' or '-' (no spaces or '/'), got {value!r}"
        return f"must match {pattern}, got {value!r}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]


def _allowed_fields(model: type[BaseModel], loc: tuple) -> list[str]:
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            break
        annotation = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
                break
            for inner in getattr(candidate, "__args__", ()):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    current = inner
                    break
    return list(getattr(current, "model_fields", {}).keys())


def validate(model: type[Model], data: Any, lines: LineMap, file: str, prefix: tuple = ()) -> Model:
    """Return the validated model, or raise SpecErrors naming every bad field with its line.

    `prefix` is the path of `data` inside its file (e.g. ("entries", 3)) so fields are named from the top.
    """
    if data is None:
        raise SpecError(file, None, "file is empty; expected a mapping of fields")
    if not isinstance(data, dict):
        raise SpecError(file, None, f"top level must be a mapping of fields, got {type(data).__name__}", line=1)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            loc = _user_loc(error["loc"], data)
            message = _describe(error, model)
            if error["type"] == "extra_forbidden":
                allowed = _allowed_fields(model, loc)
                import difflib  # only for a message: a valid spec does not pay its import

                close = difflib.get_close_matches(str(loc[-1]).lower(), allowed, n=1)
                if close:
                    message = f"unknown field (did you mean '{close[0]}'?); allowed: {', '.join(sorted(allowed))}"
            errors.append(SpecError(file, field_name(prefix + loc), message, line=_line_of(lines, prefix + loc)))
        if len(errors) == 1:
            raise errors[0] from None
        raise SpecErrors(errors) from None


def _user_loc(loc: tuple, data: Any) -> tuple:
    """Return a pydantic error location as the user's path: without the validator ("function-...") and union
    member ("Placement", "int") tags pydantic inserts, but keeping every key the user wrote, whatever its case."""
    kept = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            kept.append(part)
            node = node[part]
        elif isinstance(part, str) and (part.startswith("function-") or part[:1].isupper()):
            continue
        else:
            kept.append(part)
            node = None
    return tuple(kept)


def suggest(name: str, known: list[str]) -> str:
    """Return ' (did you mean X?)' for the closest known name, or ''."""
    import difflib

    close = difflib.get_close_matches(name, known, n=5, cutoff=0.5)
    if not close:
        return ""
    # Among similar names prefer the fewest edits, a swap of two neighbours counting as one (sn5060 -> sn5600,
    # not sn5610).
    best = min(close, key=lambda c: (_edits(name.lower(), c.lower()), close.index(c)))
    return f" (did you mean '{best}'?)"


def _edits(a: str, b: str) -> int:
    """Return the optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
