"""Reading one playbook file: YAML with lines, the model of its kind, and its own checks.

Every problem is collected (never just the first) with the file, the line and the field. Two
pydantic errors get a sharper wording here than the generic mapping gives them: an unknown step
(`steps[2].do: unknown step 'asign_buddy' (did you mean 'assign_buddy'?)`) and an unknown field
inside a step, which is matched against the fields of *that* step kind. What needs the
configuration (which community runs what) is checked in `registry`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from bot.config.yamlsrc import PathKey, Source, load_file, render_path, validate
from bot.core.errors import Problem
from bot.features.ama.settings import AmaPlaybook
from bot.features.rituals.settings import RitualPlaybook
from bot.playbooks import templates
from bot.playbooks.program import ANSWERING, walk
from bot.playbooks.schema import (
    KINDS,
    STEP_KINDS,
    AskStep,
    AskTextStep,
    ChecklistStep,
    EndStep,
    IfStep,
    Interest,
    ModerationPlaybook,
    OnboardingPlaybook,
    PickInterestsStep,
    PostIntroStep,
    Step,
    Text,
)

STEP_MODELS: dict[str, type[BaseModel]] = {
    get_args(m.model_fields["do"].annotation)[0]: m for m in get_args(get_args(Step)[0])
}

TAG_NOUNS = {"do": "step", "kind": "kind"}

PlaybookModel = OnboardingPlaybook | ModerationPlaybook | RitualPlaybook | AmaPlaybook


@dataclass(frozen=True)
class LoadedPlaybook:
    """A valid playbook, with the parsed file kept for the line numbers of later checks."""

    id: str
    model: PlaybookModel
    source: Source


def load_playbook(path: Path) -> tuple[LoadedPlaybook | None, list[Problem]]:
    source = load_file(path)
    if source.problems:
        return None, source.problems
    model = _validate(source)
    if model is None:
        return None, source.problems
    problems = own_checks(model, source)
    if problems:
        return None, problems
    return LoadedPlaybook(path.stem, model, source), []


def _validate(source: Source) -> PlaybookModel | None:
    data = source.data
    if not isinstance(data, dict):
        source.problems.append(
            Problem(source.file, source.line_of(()), "", "a playbook is a mapping with a 'kind'")
        )
        return None
    kind = data.get("kind")
    model = KINDS.get(str(kind))
    if model is None:
        source.problems.append(_unknown_tag(source, (), "kind", kind, list(KINDS)))
        return None
    errors = _errors(model, data)
    start = len(source.problems)
    result = validate(model, source)
    # `validate` renders one problem per pydantic error, in order: sharpen the two we know better.
    for offset, err in enumerate(errors):
        better = _sharper(err, source, model)
        if better is not None:
            source.problems[start + offset] = better
    return result


def _errors(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [dict(e) for e in exc.errors()]
    return []


def _sharper(err: dict[str, Any], source: Source, model: type[BaseModel]) -> Problem | None:
    loc = tuple(err["loc"])
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        ctx = err.get("ctx") or {}
        tag = str(ctx.get("discriminator", "")).strip("'")
        expected = [
            t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",") if t.strip()
        ]
        choices = expected or (list(STEP_KINDS) if tag == "do" else [])
        if not choices:
            return None
        value = err["input"].get(tag) if isinstance(err["input"], dict) else None
        return _unknown_tag(source, _data_path(loc, source.data), tag, value, choices)
    if err["type"] == "extra_forbidden":
        fields = _fields_at(model, loc[:-1])
        if fields:
            path = _data_path(loc, source.data)
            name = str(loc[-1])
            return Problem(
                source.file,
                source.line_of(path),
                render_path(path),
                f"unknown field '{name}'"
                + (_hint(name, fields) or f"; allowed: {', '.join(fields)}"),
            )
    return None


def _unknown_tag(
    source: Source, at: PathKey, tag: str, value: Any, choices: Sequence[str]
) -> Problem:
    path = (*at, tag)
    noun = TAG_NOUNS.get(tag, tag)
    if value is None:
        message = f"is required: name the {noun}, one of: {', '.join(choices)}"
    else:
        hint = _hint(str(value), choices)
        message = f"unknown {noun} '{value}'" + (
            hint if hint else f"; expected one of: {', '.join(choices)}"
        )
    return Problem(source.file, source.line_of(path), render_path(path), message)


def _hint(word: str, candidates: Sequence[str]) -> str:
    found = get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{found[0]}'?)" if found else ""


def _data_path(loc: tuple[Any, ...], data: Any) -> PathKey:
    """The part of a pydantic location that is in the document (union tags are not)."""
    path: list[str | int] = []
    cursor = data
    for part in loc:
        if (isinstance(cursor, dict) and part in cursor) or (
            isinstance(cursor, list) and isinstance(part, int) and 0 <= part < len(cursor)
        ):
            cursor = cursor[part]
            path.append(part)
    if loc and (not path or path[-1] != loc[-1]) and isinstance(loc[-1], str):
        path.append(loc[-1])
    return tuple(path)


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The fields allowed where a location points, following step tags through the unions."""
    current: Any = model
    skip = False
    for part in loc:
        if skip:
            skip = False
            continue
        fields = _by_alias(current)
        if part in STEP_MODELS and part not in fields:
            current = STEP_MODELS[part]
            continue
        info = fields.get(part)
        if info is None:
            return []
        current, skip = _model_in(info.annotation)
    return list(_by_alias(current))


def _by_alias(current: Any) -> dict[str, Any]:
    if isinstance(current, type) and issubclass(current, BaseModel):
        return {f.alias or n: f for n, f in current.model_fields.items()}
    return {}


def _model_in(annotation: Any) -> tuple[Any, bool]:
    """The model a field holds, and whether it sits in a list or map (the next part is a key)."""
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None, False
        annotation = args[0]
    if get_origin(annotation) in (list, tuple, dict):
        return get_args(annotation)[-1], True
    return annotation, False


# -- a playbook's own checks -------------------------------------------------------------------


def own_checks(model: PlaybookModel, source: Source) -> list[Problem]:
    """What the schema cannot see but one file can: ids, references, templates."""
    found = _Findings(source)
    if isinstance(model, OnboardingPlaybook):
        _check_onboarding(model, found)
    elif isinstance(model, ModerationPlaybook):
        for i, rule in enumerate(model.house_rules):
            for name in ("title", "text"):
                found.texts(
                    getattr(rule, name),
                    ("house_rules", i, name),
                    answers=(),
                    settings=(),
                    allowed=templates.IN_RULES,
                )
    return found.problems


@dataclass
class _Findings:
    source: Source

    def __post_init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: PathKey, message: str) -> None:
        self.problems.append(
            Problem(self.source.file, self.source.line_of(path), render_path(path), message)
        )

    def texts(
        self,
        text: Text | None,
        path: PathKey,
        *,
        answers: Sequence[str],
        settings: Sequence[str],
        allowed: frozenset[str] = templates.VARIABLES,
    ) -> None:
        for where, source_text in _variants(text, path):
            problems = templates.check(
                source_text, answers=answers, settings=settings, allowed=allowed
            )
            for message in problems:
                self.add(where, message)


def _variants(text: Text | None, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    if text is None:
        return
    if isinstance(text, str):
        yield path, text
    else:
        for locale, variant in text.items():
            yield (*path, locale), variant


def _check_onboarding(model: OnboardingPlaybook, found: _Findings) -> None:
    steps = list(walk(model.steps))
    answering = {s.id: s for _, s in steps if isinstance(s, ANSWERING) and s.id}
    _check_ids(steps, found)
    _check_unreachable(model.steps, ("steps",), found)
    settings = sorted(model.settings)
    for path, step in steps:
        _check_references(step, path, answering, found)
        _check_step_limits(step, path, model, found)
        for field, text in _step_texts(step):
            allowed = templates.IN_LABELS if field[-1] == "label" else templates.VARIABLES
            found.texts(
                text, (*path, *field), answers=sorted(answering), settings=settings, allowed=allowed
            )
    for name, text in model.settings.items():
        found.texts(
            text,
            ("settings", name),
            answers=sorted(answering),
            settings=(),
            allowed=templates.IN_SETTINGS,
        )
    _check_interests(model.interests, ("interests",), sorted(answering), settings, found)
    for community, overrides in model.communities.items():
        base: PathKey = ("communities", community)
        for name, text in overrides.settings.items():
            if name not in model.settings:
                found.add(
                    (*base, "settings", name),
                    f"the playbook has no setting '{name}'{_hint(name, settings)}",
                )
            found.texts(
                text,
                (*base, "settings", name),
                answers=sorted(answering),
                settings=(),
                allowed=templates.IN_SETTINGS,
            )
        if overrides.interests is not None:
            _check_interests(
                overrides.interests, (*base, "interests"), sorted(answering), settings, found
            )


def _check_ids(steps: list[tuple[PathKey, Step]], found: _Findings) -> None:
    seen: dict[str, PathKey] = {}
    for path, step in steps:
        if step.id is None:
            continue
        if step.id in seen:
            found.add(
                (*path, "id"),
                f"the id '{step.id}' is already used by {render_path(seen[step.id])}; "
                "step ids must be unique",
            )
        seen.setdefault(step.id, path)
        for name, ids in _child_ids(step):
            for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
                found.add((*path, name), f"the id '{duplicate}' appears twice")


def _child_ids(step: Step) -> list[tuple[str, list[str]]]:
    if isinstance(step, AskStep):
        return [("choices", [c.id for c in step.choices])]
    if isinstance(step, ChecklistStep):
        return [("items", [i.id for i in step.items])]
    return []


def _check_unreachable(steps: Sequence[Step], path: PathKey, found: _Findings) -> None:
    for index, step in enumerate(steps):
        if isinstance(step, EndStep) and index + 1 < len(steps):
            found.add((*path, index + 1), "comes after an 'end' in the same list: never reached")
        if isinstance(step, AskStep):
            for c, choice in enumerate(step.choices):
                _check_unreachable(choice.then, (*path, index, "choices", c, "then"), found)
        elif isinstance(step, IfStep):
            _check_unreachable(step.then, (*path, index, "then"), found)
            _check_unreachable(step.else_, (*path, index, "else"), found)


def _check_references(
    step: Step, path: PathKey, answering: Mapping[str, Step], found: _Findings
) -> None:
    if isinstance(step, PostIntroStep):
        texts = sorted(i for i, s in answering.items() if isinstance(s, AskTextStep))
        target = answering.get(step.answer)
        if not isinstance(target, AskTextStep):
            found.add(
                (*path, "answer"),
                f"no ask_text step '{step.answer}'{_hint(step.answer, texts)}; "
                "post_intro posts the answer of an ask_text step",
            )
    if isinstance(step, IfStep) and step.answered is not None:
        target = answering.get(step.answered)
        if target is None:
            found.add(
                (*path, "answered"),
                f"no step '{step.answered}' with an answer{_hint(step.answered, sorted(answering))}",
            )
        elif step.choice is not None:
            options = _options(target)
            if step.choice not in options:
                found.add(
                    (*path, "choice"),
                    f"'{step.answered}' has no choice '{step.choice}'"
                    f"{_hint(step.choice, options)}; it has {', '.join(options) or 'none'}",
                )


def _options(step: Step) -> list[str]:
    if isinstance(step, AskStep):
        return [c.id for c in step.choices]
    if isinstance(step, ChecklistStep):
        return [i.id for i in step.items]
    return []


def _check_step_limits(
    step: Step, path: PathKey, model: OnboardingPlaybook, found: _Findings
) -> None:
    if isinstance(step, AskTextStep) and step.min_length > step.max_length:
        found.add((*path, "min_length"), "is larger than max_length")
    if isinstance(step, PickInterestsStep) and not model.interests:
        has_overrides = any(o.interests for o in model.communities.values())
        if not has_overrides:
            found.add(path, "pick_interests needs the playbook's 'interests' (none are listed)")


def _step_texts(step: Step) -> list[tuple[PathKey, Text | None]]:
    """Every member-visible text of one step, by its field path inside the step."""
    texts: list[tuple[PathKey, Text | None]] = []
    for name in ("text", "buddy_text", "done_text"):
        if name in type(step).model_fields:
            texts.append(((name,), getattr(step, name)))
    if isinstance(step, AskStep):
        texts += [(("choices", i, "label"), c.label) for i, c in enumerate(step.choices)]
    if isinstance(step, ChecklistStep):
        texts += [(("items", i, "label"), item.label) for i, item in enumerate(step.items)]
    return texts


def _check_interests(
    interests: Sequence[Interest],
    path: PathKey,
    answering: Sequence[str],
    settings: list[str],
    found: _Findings,
) -> None:
    ids = [i.id for i in interests]
    for index, interest in enumerate(interests):
        if ids.count(interest.id) > 1 and ids.index(interest.id) != index:
            found.add((*path, index, "id"), f"the interest '{interest.id}' appears twice")
        found.texts(
            interest.label,
            (*path, index, "label"),
            answers=answering,
            settings=settings,
            allowed=templates.IN_LABELS,
        )
