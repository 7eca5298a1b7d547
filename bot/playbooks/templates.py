"""Playbook texts: Jinja2 templates with a fixed, documented set of variables.

A text is rendered in a sandbox (no attribute tricks, no imports) with `StrictUndefined`, and
checked by `porch check` before anything runs: a variable outside `VARIABLES`, an attribute a
variable does not have (`member.nme`), an answer or setting the playbook does not define, are all
errors with the text's file and line, so a typo never reaches a member as an empty string.

The variables (docs/playbooks.md lists them for playbook authors):

- `member.name`, `member.id`: the member the journey is for;
- `community.name`, `community.id`, `community.main_channel`, `community.intro_channel`;
- `manager.name`, `manager.id`: the community's first manager (a department's head);
- `buddy.name`, `buddy.id`: the member's buddy once assigned (`{% if buddy %}` tests for one);
- `managers`, `moderators`: lists of people, each with `name` and `id`;
- `rules`: the house rules, each with `number`, `title` and `text`; `rules_version`;
- `answers.<id>`: what the member answered to the step `<id>` (a choice's label, a text);
- `interests`: the interests the member picked, each with `label` and `channel`;
- `settings.<name>`: the playbook's settings, as a community set them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from bot.i18n.catalogue import DEFAULT_LOCALE, base_locale
from bot.playbooks.schema import Text

PERSON = frozenset({"name", "id"})
OBJECTS: dict[str, frozenset[str]] = {
    "member": PERSON,
    "community": frozenset({"name", "id", "main_channel", "intro_channel"}),
    "manager": PERSON,
    "buddy": PERSON,
}
LISTS: dict[str, frozenset[str]] = {
    "rules": frozenset({"number", "title", "text"}),
    "interests": frozenset({"label", "channel"}),
    "managers": PERSON,
    "moderators": PERSON,
}
MAPS = ("answers", "settings")
SCALARS = ("rules_version",)
VARIABLES: frozenset[str] = frozenset({*OBJECTS, *LISTS, *MAPS, *SCALARS})

IN_SETTINGS = VARIABLES - {"settings"}
"""Settings are texts too, but may not refer to settings."""
IN_LABELS = VARIABLES - {"answers", "interests"}
"""Labels of choices, items and interests make up `answers` and `interests` themselves."""
IN_RULES = frozenset({"member", "community", "manager", "managers", "moderators"})
"""House rules are shown by several features; they know only who and where."""

MASS_MENTIONS = ("@channel", "@here", "@everyone", "@room")


def quote(text: str) -> str:
    """`{{ answers.intro | quote }}`: the member's words as a Markdown quote."""
    return "\n".join(f"> {line}" if line else ">" for line in str(text).splitlines())


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["quote"] = quote
    return env


ENV = _environment()


@dataclass(frozen=True)
class Person:
    """A person in a template; falsy when nobody is there (no buddy yet)."""

    id: str = ""
    name: str = ""

    def __bool__(self) -> bool:
        return bool(self.id)

    def __str__(self) -> str:
        return self.name


def defuse(text: str) -> str:
    """Keep a member's words from pinging a whole channel when Porch posts them.

    `@channel`, `@here`, `@everyone` (Slack) and `@room` (Matrix) get a zero-width joiner after the
    `@`: they read the same and notify nobody.
    """
    for mention in MASS_MENTIONS:
        text = text.replace(mention, "@\u2060" + mention[1:])
        text = text.replace(mention.upper(), "@\u2060" + mention[1:].upper())
    return text


def pick(text: Text, locale: str, fallback: str = DEFAULT_LOCALE) -> str:
    """The member's language, else the community's, else English, else any that is there."""
    if isinstance(text, str):
        return text
    for wanted in (locale, base_locale(locale), fallback, base_locale(fallback), DEFAULT_LOCALE):
        if wanted in text:
            return text[wanted]
    return next(iter(text.values()))


@lru_cache(maxsize=4096)
def _compiled(source: str) -> tuple[Template, frozenset[str]]:
    """A template and the variables it uses, once per distinct text."""
    used = meta.find_undeclared_variables(ENV.parse(source)) & VARIABLES
    return ENV.from_string(source), frozenset(used)


def render(source: str, lookup: Callable[[str], Any]) -> str:
    """Render one template, asking `lookup` for just the variables it uses.

    Surrounding blank lines are dropped (YAML block texts end with one).
    """
    template, used = _compiled(source)
    return str(template.render({name: lookup(name) for name in used})).strip()


def check(
    source: str,
    *,
    answers: Iterable[str],
    settings: Iterable[str],
    allowed: Iterable[str] = VARIABLES,
) -> list[str]:
    """Every problem of one template, as messages."""
    try:
        tree = ENV.parse(source)
    except TemplateSyntaxError as exc:
        return [f"template error on its line {exc.lineno}: {exc.message}"]
    allowed = set(allowed)
    problems = []
    for name in sorted(meta.find_undeclared_variables(tree) - allowed):
        if name in VARIABLES:
            problems.append(f"'{name}' cannot be used in this text")
        else:
            problems.append(f"unknown variable '{name}'{_hint(name, allowed)}")
    keys = {"answers": set(answers), "settings": set(settings)}
    problems += _check_names(tree, keys)
    return problems


def _hint(word: str, candidates: Iterable[str]) -> str:
    found = get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{found[0]}'?)" if found else ""


def _check_names(tree: nodes.Template, keys: dict[str, set[str]]) -> list[str]:
    """Attributes of objects, loop items and answer/setting names, wherever they are used."""
    loop_items = _loop_items(tree)
    problems: list[str] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if not isinstance(node, nodes.Getattr | nodes.Getitem):
            continue
        owner = node.node
        if not isinstance(owner, nodes.Name):
            continue
        name = _key_of(node)
        if name is None:
            continue
        problems += _check_one(owner.name, name, keys, loop_items)
    return problems


def _key_of(node: nodes.Getattr | nodes.Getitem) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None


def _check_one(
    owner: str, name: str, keys: dict[str, set[str]], loop_items: dict[str, frozenset[str]]
) -> list[str]:
    if owner in OBJECTS or owner in loop_items:
        fields = OBJECTS.get(owner) or loop_items[owner]
        if name not in fields:
            return [f"'{owner}' has no '{name}'{_hint(name, fields)}; it has {_list(fields)}"]
    elif owner in keys and name not in keys[owner]:
        what = "step with an answer" if owner == "answers" else "setting"
        return [f"no {what} '{name}' for '{owner}.{name}'{_hint(name, keys[owner])}"]
    elif owner in LISTS:
        return [f"'{owner}' is a list; loop over it: {{% for item in {owner} %}}"]
    return []


def _loop_items(tree: nodes.Template) -> dict[str, frozenset[str]]:
    """`{% for r in rules %}` makes `r` a rule; its attributes are checked like an object's."""
    items: dict[str, frozenset[str]] = {}
    for loop in tree.find_all(nodes.For):
        if (
            isinstance(loop.iter, nodes.Name)
            and loop.iter.name in LISTS
            and isinstance(loop.target, nodes.Name)
        ):
            items[loop.target.name] = LISTS[loop.iter.name]
    return items


def _list(fields: Iterable[str]) -> str:
    return ", ".join(sorted(fields))
