"""Plain spec data made into a model without building its pydantic validator, where that gives the very same model.

pydantic builds a model's validator (its core schema) when the model is first used, and the first build in a
process also scans every installed distribution for pydantic plugins (importing importlib.metadata). For FabricSpec
and the models in it that is ≈40 ms, a tenth of a cold `fabric plan --json`, spent on data that is nearly always
plain: known fields holding whole numbers, numbers, text, choices, mappings of text or lists of such mappings, within
their bounds. `construct` checks such data against the model's own field declarations (types, bounds, patterns,
its field and model validators) and builds the model with `model_construct`, as pydantic would have built it. For
anything else (another type, a value out of bounds, an unknown or missing field, a validator that refuses, a kind
of field or validator this module does not know) it returns None and the caller validates with pydantic, which
says what is wrong exactly as before. tests/test_spec_plain.py checks that both agree on many generated specs.
"""

from __future__ import annotations

import inspect
import math
import re
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import annotated_types as at
from pydantic import BaseModel
from pydantic.types import Strict
from pydantic_core import PydanticUndefined

Model = TypeVar("Model", bound=BaseModel)
Check = Callable[[Any], Any]
# Model settings that do not change what validation accepts or returns.
NEUTRAL_CONFIG = {"extra", "defer_build", "frozen", "title"}
IMMUTABLE_DEFAULTS = (type(None), bool, int, float, str)


class Refused(Exception):
    """The data is not plain for this model: pydantic validates it."""


def construct(model: type[Model], data: Any) -> Model | None:
    """Return the model built from plain data exactly as pydantic's validation would build it, or None when the
    data (or the model) is not plain and pydantic must validate it."""
    rules = _rules(model)
    if rules is None or type(data) is not dict:
        return None
    try:
        return _build(model, rules, data)
    except Exception:  # noqa: BLE001 - Refused, or a validator refusing: pydantic validates and reports it
        return None


def _build(model: type[Model], rules: tuple, data: dict) -> Model:
    fields, before, after, model_after = rules
    unknown = [key for key in data if type(key) is not str or key not in fields]
    if unknown:
        raise Refused(unknown)
    values = {}
    for name, (check, default) in fields.items():
        if name in data:
            value = data[name]
            if name in before:
                value = before[name](value)
            value = check(value)
            if name in after:
                value = after[name](value)
            values[name] = value
        else:
            values[name] = default()
    instance = model.model_construct(_fields_set=set(data), **values)
    for validator in model_after:
        if validator(instance) is not instance:
            raise Refused(validator)
    return instance


@cache
def _rules(model: type[BaseModel]) -> tuple | None:
    """Return (fields {name: (check, default)}, before and after field validators {name: fn}, model validators) of
    a model whose every field and validator is of a kind handled here, else None."""
    config = model.model_config
    decorators = model.__pydantic_decorators__
    if (config.get("extra") != "forbid" or set(config) - NEUTRAL_CONFIG or model.__pydantic_root_model__
            or model.__private_attributes__ or model.__pydantic_post_init__ or decorators.validators
            or decorators.root_validators or model.__pydantic_generic_metadata__["origin"] is not None):
        return None
    before: dict[str, Callable] = {}
    after: dict[str, Callable] = {}
    for decorator in decorators.field_validators.values():
        chosen = {"before": before, "after": after}.get(decorator.info.mode)
        if chosen is None or _arity(decorator.func) != 1:
            return None
        for name in decorator.info.fields:
            if name in chosen or name not in model.model_fields:
                return None
            chosen[name] = decorator.func
    model_after = []
    for decorator in decorators.model_validators.values():
        if decorator.info.mode != "after" or _arity(decorator.func) != 1:
            return None
        model_after.append(decorator.func)
    fields = {}
    for name, field in model.model_fields.items():
        check = _check(field.annotation, tuple(field.metadata))
        default = _default(field)
        if (check is None or default is None or field.alias is not None or field.validation_alias is not None
                or field.validate_default or field.discriminator is not None):
            return None
        fields[name] = (check, default)
    return fields, before, after, tuple(model_after)


def _arity(function: Callable) -> int:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return -1
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters):
        return -1
    return len(parameters)


def _default(field) -> Callable[[], Any] | None:
    """Return what makes a missing field's value as pydantic does, or None when that is not a kind handled here."""
    if field.is_required():
        def missing() -> Any:
            raise Refused("missing")

        return missing
    factory = field.default_factory
    if factory is None:
        value = field.default
        return (lambda: value) if type(value) in IMMUTABLE_DEFAULTS and value is not PydanticUndefined else None
    if field.default_factory_takes_validated_data:
        return None
    if factory in (dict, list):
        return factory
    if isinstance(factory, type) and issubclass(factory, BaseModel) and _rules(factory) is not None:
        # pydantic calls the model, which validates no data: its defaults, its model validators.
        return lambda: _build(factory, _rules(factory), {})
    return None


def _check(annotation: Any, metadata: tuple) -> Check | None:
    """Return a function that returns a plain value as pydantic validates it against the annotation and its
    constraints (and raises Refused otherwise), or None when the annotation is not a kind handled here."""
    bounds: list[tuple[Callable[[Any, Any], bool], Any]] = []
    lengths: list[tuple[Callable[[int, int], bool], int]] = []
    pattern = None
    strict = False
    for item in metadata:
        if isinstance(item, at.Gt):
            bounds.append((lambda v, b: v > b, item.gt))
        elif isinstance(item, at.Ge):
            bounds.append((lambda v, b: v >= b, item.ge))
        elif isinstance(item, at.Lt):
            bounds.append((lambda v, b: v < b, item.lt))
        elif isinstance(item, at.Le):
            bounds.append((lambda v, b: v <= b, item.le))
        elif isinstance(item, at.MinLen):
            lengths.append((lambda n, b: n >= b, item.min_length))
        elif isinstance(item, at.MaxLen):
            lengths.append((lambda n, b: n <= b, item.max_length))
        elif isinstance(item, Strict):
            strict = item.strict
        elif type(item).__name__ == "_PydanticGeneralMetadata" and set(vars(item)) <= {"pattern", "strict"}:
            pattern = vars(item).get("pattern", pattern)
            strict = vars(item).get("strict", strict)
        else:
            return None
    if pattern is not None and not isinstance(pattern, str):
        return None

    def bounded(value: Any) -> Any:
        if not all(holds(value, bound) for holds, bound in bounds):
            raise Refused(value)
        return value

    def sized(value: Any) -> Any:
        if not all(holds(len(value), bound) for holds, bound in lengths):
            raise Refused(value)
        return value

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args:
        inner = _check(next(a for a in args if a is not type(None)), metadata)
        return None if inner is None else (lambda value: None if value is None else inner(value))
    if annotation is bool and not metadata:
        def flag(value: Any) -> bool:
            if type(value) is not bool:  # pydantic's lax bool ("yes", 1) decides
                raise Refused(value)
            return value

        return flag
    if annotation is int and not lengths and pattern is None:
        def whole(value: Any) -> int:
            if type(value) is not int:  # a bool, a float or text: pydantic decides
                raise Refused(value)
            return bounded(value)

        return whole
    if annotation is float and not lengths and pattern is None:
        def number(value: Any) -> float:
            if type(value) is int and not strict:
                value = float(value)  # pydantic returns a whole number given for a float field as a float
            if type(value) is not float or not math.isfinite(value):
                raise Refused(value)
            return bounded(value)

        return number
    if annotation is str and not bounds:
        compiled = re.compile(pattern) if pattern is not None else None

        def text(value: Any) -> str:
            if type(value) is not str or not value.isascii():  # pydantic-core reads text as UTF-8: it decides
                raise Refused(value)
            if compiled is not None and ("\n" in value or not compiled.search(value)):
                raise Refused(value)
            return sized(value)

        return text
    if origin is typing.Literal and not metadata:
        choices = args

        def choice(value: Any) -> Any:
            for allowed in choices:
                if type(value) is type(allowed) and value == allowed:
                    return allowed
            raise Refused(value)

        return choice
    if origin is dict and len(args) == 2 and not metadata:
        key_check, value_check = _check(args[0], ()), _check(args[1], ())
        if key_check is None or value_check is None:
            return None

        def mapping(value: Any) -> dict:
            if type(value) is not dict:
                raise Refused(value)
            return {key_check(k): value_check(v) for k, v in value.items()}

        return mapping
    if origin is list and len(args) == 1 and not bounds and pattern is None:
        item_check = _check(args[0], ())
        if item_check is None:
            return None

        def items(value: Any) -> list:
            if type(value) is not list:
                raise Refused(value)
            return sized([item_check(v) for v in value])

        return items
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and not metadata:
        if _rules(annotation) is None:
            return None

        def nested(value: Any) -> Any:
            if type(value) is not dict:
                raise Refused(value)
            return _build(annotation, _rules(annotation), value)

        return nested
    return None
