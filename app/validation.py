"""Read and validate request input with pydantic models; every problem becomes a 400 naming its field."""

from __future__ import annotations

import json
from typing import TypeVar

import orjson
from flask import request
from pydantic import BaseModel, ValidationError

from .errors import ApiError, invalid

M = TypeVar("M", bound=BaseModel)


def _field(location: tuple) -> str:
    return ".".join(str(part) for part in location) or "body"


def _errors(exc: ValidationError) -> list[dict]:
    return [{"field": _field(e["loc"]), "message": e["msg"].removeprefix("Value error, ")} for e in exc.errors()]


def parse(model: type[M], data: dict, **context) -> M:
    """Validate a mapping against a model, raising a 400 that lists each bad field."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        errors = _errors(exc)
        raise invalid(
            f"{len(errors)} field(s) are not valid: " + ", ".join(e["field"] for e in errors), errors
        ) from None


def json_body() -> dict:
    """Return the request's JSON object, or raise 415 (not JSON) or 400 (malformed)."""
    if not request.is_json:
        raise ApiError(415, "Send the body as JSON with 'Content-Type: application/json'.")
    raw = request.get_data(cache=True)  # MAX_CONTENT_LENGTH turns an oversized body into 413 here
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise invalid(f"The body is not valid JSON: {exc.msg} at position {exc.pos}.") from None
    if not isinstance(data, dict):
        raise invalid("The body must be a JSON object.", [{"field": "body", "message": "expected an object"}])
    _refuse_repeated_keys(raw)
    return data


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise invalid(
            f"The body repeats the key(s) {', '.join(repeated)}; send each once.",
            [{"field": name, "message": "given more than once"} for name in repeated],
        )
    return dict(pairs)


def _refuse_repeated_keys(raw: bytes) -> None:
    """Raise a 400 when an object repeats a key: orjson keeps the last, another parser may keep the first.

    This second parse runs only for bodies not seen before (validated bodies are remembered), and only after
    orjson accepted the body, so its depth and numbers are already sane.
    """
    try:
        json.loads(raw, object_pairs_hook=_pairs)
    except RecursionError:
        raise invalid("The body nests too deeply.") from None


def query_args(model: type[M], **context) -> M:
    """Validate the query string against a model; a parameter given twice is a 400, not its first value."""
    return parse(model, single_args(), **context)


def single_args() -> dict[str, str]:
    """Return the query string as a mapping, or raise a 400 naming each parameter given more than once."""
    repeated = sorted(name for name, values in request.args.lists() if len(values) > 1)
    if repeated:
        raise invalid(
            f"The query string repeats {', '.join(repeated)}; give each parameter once.",
            [{"field": name, "message": "given more than once"} for name in repeated],
        )
    return request.args.to_dict()
