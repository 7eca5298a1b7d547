"""YAML with line numbers, and validation errors that point at them.

`porch check` must say `playbooks/interest.yaml:14 steps[2].do: unknown step 'asign_buddy' (did
you mean 'assign_buddy'?)`, for every error at once. PyYAML forgets where values came from once it
builds Python objects, so we compose the node tree ourselves and keep a line per path. Duplicate
keys, which YAML would silently overwrite, are reported too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.core.errors import Problem

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML has it (several times faster); it keeps line marks too."""


@dataclass
class Source:
    """A parsed YAML document: its data, the line of every path, and parse problems."""

    file: str
    data: Any = None
    lines: dict[PathKey, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: PathKey) -> int | None:
        """The line of `path`, or of its nearest ancestor that exists in the document."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(path[:cut])
            if line is not None:
                return line
        return None


def load_text(text: str, file: str) -> Source:
    source = Source(file=file)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        source.data = _build(node, (), source, loader) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        detail = getattr(exc, "problem", None) or str(exc)
        source.problems.append(Problem(file, line, "", f"not valid YAML: {detail}"))
    finally:
        loader.dispose()
    return source


def load_file(path: Path) -> Source:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        message = "there is no such file; check the path"
    except IsADirectoryError:
        message = "is a folder; name a YAML file"
    except UnicodeDecodeError as exc:
        message = f"is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8"
    except OSError as exc:
        message = f"cannot be read ({exc.strerror or exc})"
    else:
        return load_text(text, str(path))
    return Source(file=str(path), problems=[Problem(str(path), None, "", message)])


def _build(node: yaml.Node, path: PathKey, source: Source, loader: Any) -> Any:
    source.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if key in out:
                source.problems.append(
                    Problem(
                        source.file,
                        key_node.start_mark.line + 1,
                        render_path((*path, key)),
                        "appears twice in the same mapping; keep one",
                    )
                )
            out[key] = _build(value_node, (*path, key), source, loader)
            source.lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), source, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


def render_path(path: PathKey) -> str:
    """`('steps', 2, 'do')` -> `steps[2].do`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _data_path(loc: tuple[str | int, ...], data: Any) -> PathKey:
    """The part of a pydantic `loc` that exists in the document.

    Union tags (`message` in `steps[2].message.text`) are not keys in the data and are skipped;
    a last part that is missing (a required field, an unknown key) is kept, so it can be named.
    """
    path: list[str | int] = []
    cursor = data
    for index, part in enumerate(loc):
        in_dict = isinstance(cursor, dict) and part in cursor
        in_list = isinstance(cursor, list) and isinstance(part, int) and 0 <= part < len(cursor)
        if in_dict or in_list:
            cursor = cursor[part]
            path.append(part)
        elif index == len(loc) - 1 and isinstance(cursor, dict) and isinstance(part, str):
            path.append(part)
    return tuple(path)


def _suggest(word: str, candidates: list[str]) -> str:
    hint = get_close_matches(str(word), candidates, n=1, cutoff=0.6)
    return f" (did you mean '{hint[0]}'?)" if hint else ""


def _explain(err: dict[str, Any], model: type[BaseModel], path: PathKey, source: Source) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        return f"unknown field '{name}'{_suggest(name, _known_fields(model, path, source))}"
    if kind == "missing":
        return "is required but missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        found = type(err.get("input")).__name__
        return f"expected fields here (name: value, one per line), found {_KINDS.get(found, found)}"
    if kind in ("list_type", "tuple_type", "set_type"):
        found = type(err.get("input")).__name__
        return f"expected a list here (one '- item' per line), found {_KINDS.get(found, found)}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",") if t.strip()]
        if kind == "union_tag_not_found":
            return f"needs '{ctx.get('discriminator', 'kind')}', one of: {', '.join(tags)}"
        tag = ctx.get("tag", "?")
        return f"unknown value '{tag}'{_suggest(tag, tags)}; expected one of: {', '.join(tags)}"
    if kind == "literal_error":
        expected = [
            e.strip(" '") for e in str(ctx.get("expected", "")).replace(" or ", ",").split(",")
        ]
        value = err.get("input")
        return f"'{value}' is not allowed{_suggest(str(value), expected)}; expected {ctx.get('expected')}"
    msg = str(err.get("msg", kind))
    return msg.removeprefix("Value error, ")


_KINDS = {
    "list": "a list",
    "str": "a text",
    "int": "a number",
    "float": "a number",
    "bool": "yes/no",
}


def _known_fields(model: type[BaseModel], path: PathKey, source: Source) -> list[str]:
    """Field names allowed at the parent of `path`, found by walking the model along the data."""
    current: Any = model
    for part in path[:-1]:
        current = _child_model(current, part)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _child_model(current: Any, part: str | int) -> Any:
    import typing

    if isinstance(current, type) and issubclass(current, BaseModel):
        field_info = current.model_fields.get(str(part))
        return _unwrap(field_info.annotation) if field_info else None
    origin = typing.get_origin(current)
    args = [a for a in typing.get_args(current) if a is not Ellipsis]
    if origin in (list, tuple, dict) and args:
        return _unwrap(args[-1] if origin is dict else args[0])
    return None


def _unwrap(annotation: Any) -> Any:
    import typing

    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin in (typing.Union,) or str(origin) == "<class 'types.UnionType'>":
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def validate(model: type[M], source: Source, *, data: Any = None, base: PathKey = ()) -> M | None:
    """Validate `source.data` (or `data` found at `base` in it) against `model`.

    Problems are appended to `source.problems`, all of them; returns None when there were any.
    """
    payload = source.data if data is None else data
    try:
        return model.model_validate(payload if payload is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            path = (*base, *_data_path(tuple(err["loc"]), payload))
            local = path[len(base) :]
            source.problems.append(
                Problem(
                    source.file,
                    source.line_of(path),
                    render_path(path),
                    _explain(dict(err), model, local, source),
                )
            )
        return None
