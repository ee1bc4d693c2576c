"""Checks on the raw API Gateway event, before the resolver sees it.

Two stages, so that a caller without a valid token learns nothing about the endpoint:
- `check_header_shape` runs before authentication and guards the token lookup itself
  (control characters in any header, a repeated Authorization header);
- `check_request` runs once the caller is authenticated: query parameters, the other
  single-valued headers, Content-Type, the body's size, encoding and JSON shape.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from functions.http_headers import header_value
from functions.models.errors import ValidationFailed
from functions.runtime.idempotency_key import IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_PATTERN
from functions.runtime.route_input import RouteInput

if TYPE_CHECKING:
    from pydantic import BaseModel

MAX_BODY_BYTES = 64 * 1024
# A valid body is at most 6 levels deep (body, metadata and its 5 levels); 32 leaves room for
# clearer messages from the field checks while keeping the parsers far from Python's recursion limit.
MAX_JSON_DEPTH = 32
# Python's own guard against quadratic integer parsing (sys.int_info.default_max_str_digits).
MAX_NUMBER_DIGITS = 4300

# C0 controls and DEL. A tab is legal inside a header value (RFC 9110 field-value), nowhere else here.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_VALID_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
_CANONICAL_INTEGER = re.compile(r"^(0|[1-9][0-9]*)$")
# A JSON string (skipped whole, so that brackets inside it do not count) or a bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
# A media type (RFC 9110 §8.3.1): type "/" subtype, then parameters `name=token` or `name="quoted"`,
# each after a ";" (an empty one, as in "application/json;", is allowed). Written out: the standard
# library's parsers (email.message, cgi's successor) accept malformed values and guess.
_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[\t !#-\[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"'
_MEDIA_TYPE = re.compile(rf"({_TCHARS}/{_TCHARS})(?:[ \t]*;[ \t]*(?:{_TCHARS}=(?:{_TCHARS}|{_QUOTED}))?)*")
JSON_MEDIA_TYPE = "application/json"


def _all_values(event: Mapping[str, Any], single_key: str, multi_key: str) -> dict[str, list[str]]:
    """Every value of every name: the multi-value map where API Gateway sent one, else the single one."""
    single = event.get(single_key) or {}
    return {**{name: [value] for name, value in single.items()}, **(event.get(multi_key) or {})}


def _header_counts(event: Mapping[str, Any]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for name, values in _all_values(event, "headers", "multiValueHeaders").items():
        seen[name.lower()] = seen.get(name.lower(), 0) + len(values)
    return seen


def _check_repeated(seen: Mapping[str, int], names: Collection[str]) -> None:
    repeated = sorted(name for name in names if seen.get(name, 0) > 1)
    if repeated:
        raise ValidationFailed(f'Header "{repeated[0]}" is repeated; send it once')


def check_header_shape(event: Mapping[str, Any]) -> None:
    """Before authentication: headers a proxy could have split or smuggled, and which token counts."""
    for name, values in _all_values(event, "headers", "multiValueHeaders").items():
        if any(_HEADER_CONTROL.search(value or "") for value in values):
            raise ValidationFailed(f'Header "{name[:50]}" contains control characters')
    _check_repeated(_header_counts(event), ("authorization",))


def check_request(event: Mapping[str, Any], accepts: RouteInput) -> None:
    """After authentication: reject malformed requests before any parsing by the resolver or database read."""
    _check_headers(event, accepts)
    _check_query(event, accepts)
    raw = _body_bytes(event)
    if raw is not None and accepts.body is not None:
        _check_field_names(parse_json_object(raw.decode("utf-8")), accepts.body)
    _check_path(event, accepts)
    _check_query_values(event, accepts)


def query_values(event: Mapping[str, Any], accepts: RouteInput) -> dict[str, Any]:
    """The QueryRule parameters that were sent, as the route function takes them (ints as ints)."""
    given = event.get("queryStringParameters") or {}
    return {name: rule.value(given[name], base) for name, base, rule in accepts.query_rules if name in given}


def _check_query_values(event: Mapping[str, Any], accepts: RouteInput) -> None:
    """The QueryRule parameters' limits, in the order they are declared (as the validating resolver reported them)."""
    given = event.get("queryStringParameters") or {}
    for name, base, rule in accepts.query_rules:
        if name in given:
            problem = rule.problem(given[name] or "", base)
            if problem:
                raise ValidationFailed(f'Query parameter "{name}" {problem}')


def _check_path(event: Mapping[str, Any], accepts: RouteInput) -> None:
    """The path parameters' limits, last: the validating resolver too reported them before the body's fields.

    The routes that run without validation have only this check; the others get the same one again from
    Powertools (their PathRules are its Path parameters), so the message never depends on which resolver runs.
    """
    given = event.get("pathParameters") or {}
    for name, rule in accepts.path:
        problem = rule.problem(str(given.get(name) or ""))
        if problem:
            raise ValidationFailed(f'Path parameter "{name}" {problem}')


def _squashed(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def _check_field_names(body: Mapping[str, Any], model: type[BaseModel]) -> None:
    """An unknown field that is a snake_case, kebab-case or case variant of a known one says which."""
    known = {_squashed(name): name for name in model.model_fields}
    for name in body:
        if name not in model.model_fields and _squashed(name) in known:
            raise ValidationFailed(f'Field "{name[:50]}" is not allowed; did you mean "{known[_squashed(name)]}"?')


def _check_headers(event: Mapping[str, Any], accepts: RouteInput) -> None:
    # Headers whose meaning would depend on which copy a proxy kept: one copy or a 400.
    _check_repeated(_header_counts(event), ("idempotency-key", "content-type"))
    key = header_value(event.get("headers") or {}, IDEMPOTENCY_HEADER)
    if key is not None and not _VALID_IDEMPOTENCY_KEY.match(key):
        # Checked here, for a clearer message than the spec pattern Powertools would quote.
        raise ValidationFailed(f'Header "{IDEMPOTENCY_HEADER}" must be 1 to 255 printable ASCII characters')
    if key is not None and not accepts.idempotency_key and str(event.get("httpMethod", "GET")).upper() != "GET":
        # Never silently ignored on a write: the client would believe its retry safe. Reads need none.
        raise ValidationFailed(
            f'Header "{IDEMPOTENCY_HEADER}" is not honoured on this route: the API token\'s POST and DELETE '
            "routes take it (a PATCH sent again sets the same fields again; the room's routes are safe to repeat)"
        )


def _check_query(event: Mapping[str, Any], accepts: RouteInput) -> None:
    """Known parameters, once each, no control characters: API Gateway would pass all of it through."""
    for name, values in _all_values(event, "queryStringParameters", "multiValueQueryStringParameters").items():
        if _CONTROL.search(name) or any(_CONTROL.search(value or "") for value in values):
            raise ValidationFailed("Query string contains control characters")
        if name not in accepts.query:
            # A typo such as `limt=5` must not be silently ignored.
            known = ", ".join(sorted(accepts.query)) or "none"
            raise ValidationFailed(f'Unknown query parameter "{name[:50]}"; this endpoint accepts: {known}')
        if len(values) > 1:
            raise ValidationFailed(f'Query parameter "{name}" is repeated; send it once')
        if name in accepts.integer_query and not _CANONICAL_INTEGER.match(values[0] or ""):
            # pydantic's lax parsing would read " 5", "+5", "5.0" and "1_0" (as 10).
            raise ValidationFailed(f'Query parameter "{name}" must be an integer written in plain digits, such as 20')


def _body_bytes(event: Mapping[str, Any]) -> bytes | None:
    """The body as UTF-8 bytes, after the Content-Type, size and encoding checks."""
    body = event.get("body")
    if body is None:
        return None
    content_type = header_value(event.get("headers") or {}, "Content-Type")
    if content_type is not None:
        _check_media_type(content_type)
    if event.get("isBase64Encoded"):
        if len(body) > (MAX_BODY_BYTES + 2) * 4 // 3 + 4:
            raise ValidationFailed(f"Request body exceeds {MAX_BODY_BYTES} bytes")
        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error as exc:
            raise ValidationFailed("Request body is not valid base64") from exc
    else:
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationFailed("Request body is not valid UTF-8") from exc
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed(f"Request body exceeds {MAX_BODY_BYTES} bytes")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("Request body is not valid UTF-8") from exc
    return raw


def _check_media_type(content_type: str) -> None:
    """A Content-Type sent must be a well-formed media type, and JSON's (type names are case-insensitive)."""
    parsed = _MEDIA_TYPE.fullmatch(content_type.strip(" \t"))
    if parsed is None:
        shown = f": {content_type[:100]}" if content_type.strip() else ""
        raise ValidationFailed(f"Content-Type is not a well-formed media type such as application/json{shown}")
    media_type = parsed.group(1).lower()
    if media_type != JSON_MEDIA_TYPE:
        # Powertools would parse a form body as a form; the API speaks JSON only.
        raise ValidationFailed(f"Content-Type must be application/json, not {media_type[:100]}")


def with_json_content_type(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its checked body's Content-Type written as Powertools compares it: lower case, bare.

    Powertools' validating resolver reads a body as JSON only when Content-Type starts with
    "application/json" as written, and answers any other spelling with an exception of its own (a 500
    here): "Application/JSON" is the same media type (RFC 9110 §8.3.1). A copy: the caller's event is
    left as API Gateway sent it.
    """
    headers = event.get("headers") or {}
    names = [name for name in headers if name.lower() == "content-type"]
    if event.get("body") is None or not names or headers[names[0]] == JSON_MEDIA_TYPE:
        return event
    multi = event.get("multiValueHeaders") or {}
    return {
        **event,
        "headers": {**headers, names[0]: JSON_MEDIA_TYPE},
        "multiValueHeaders": {**multi, **{name: [JSON_MEDIA_TYPE] for name in multi if name.lower() == "content-type"}},
    }


class _NotJson(ValueError):
    """A number json.loads would take that JSON (RFC 8259) or our storage would not."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _NotJson(f"Request body holds a number of more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJson(f"Request body holds a number too large to represent ({text[:20]}); numbers must be finite")
    return value


def _constant(name: str) -> Any:
    raise _NotJson(f"Request body is not valid JSON: {name} is not a JSON number; numbers must be finite")


def _too_deep(text: str) -> bool:
    depth = 0
    for found in _STRING_OR_BRACKET.finditer(text):
        piece = found.group()
        if piece in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif piece in "]}":
            depth -= 1
    return False


def parse_json_object(text: str) -> dict[str, Any]:
    """The body as a JSON object, or a ValidationFailed naming what is wrong.

    Done here rather than by the resolver: json.loads raises RecursionError on deep nesting and
    ValueError on long integers (500s otherwise), accepts NaN and Infinity, and Powertools' OpenAPI
    validation unwraps a one-element list into the object it holds.
    """
    if _too_deep(text):
        raise ValidationFailed(f"Request body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"Request body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except _NotJson as exc:
        raise ValidationFailed(str(exc)) from exc
    if not isinstance(value, dict):
        raise ValidationFailed("Request body must be a JSON object")
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        # "\ud800" alone is valid JSON syntax but no Unicode text: it could be neither stored nor returned.
        raise ValidationFailed("Request body holds an unpaired UTF-16 surrogate escape such as \\ud800") from exc
    return value
