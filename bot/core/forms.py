"""Forms: a command asked for field by field, where the platform has modals.

A feature declares a `CommandForm` (like its `commands`): which command it fills in, a text field
bound to the command's positional parameter, checkboxes bound to flags. An adapter with
`Capability.MODAL` opens it *itself, at once* (a Slack `trigger_id` lives three seconds, far too
short for the Outbox) and turns the submission into the ordinary `CommandInvoked`
(`ama ask "the question" --anon`), so every rule of the command stays in the core: the form
changes how a command is typed, never what it may do.

What a form shows before it is filled in (its texts in the member's language, which boxes start
ticked) comes from the features through a `FormDesk`, which the composition root hands to every
adapter that has modals.
"""

from __future__ import annotations

import shlex
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

_STRAIGHT_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "«": '"', "»": '"'}
)
"""The tokenizer straightens curly quotes before it splits, so the text is straightened first."""


@dataclass(frozen=True)
class FormCheckbox:
    """A checkbox bound to a flag: ticked gives `--{flag}`, unticked `--{unticked}` (if any).

    `label` is a catalogue key; `default` is used unless the feature says otherwise.
    """

    flag: str
    label: str
    unticked: str | None = None
    default: bool = False


@dataclass(frozen=True)
class CommandForm:
    """`/{root} {command} <text> [--flags]` as a form. Texts are catalogue keys."""

    id: str
    root: str
    command: str
    title: str
    text_label: str
    submit: str
    checkboxes: tuple[FormCheckbox, ...] = ()
    text_hint: str | None = None

    def command_text(self, text: str, ticked: Collection[str]) -> str:
        """The command line (after the root) that the filled-in form stands for.

        The text is quoted as one argument, so quotes, newlines and dashes a member typed stay
        text; a leading space keeps a text that starts with `--` from reading as an option.
        """
        text = " ".join(text.translate(_STRAIGHT_QUOTES).split())
        if text.startswith("-"):
            text = " " + text
        parts = [self.command, shlex.quote(text)]
        for box in self.checkboxes:
            flag = box.flag if box.flag in ticked else box.unticked
            if flag:
                parts.append(f"--{flag}")
        return " ".join(parts)

    def opened_by(self, root: str, text: str) -> bool:
        """Whether `/{root} {text}` asks for this form: the bare command, nothing after it."""
        return root == self.root and text.strip().lower() == self.command


@dataclass(frozen=True)
class ShownCheckbox:
    flag: str
    label: str
    ticked: bool


@dataclass(frozen=True)
class ShownForm:
    """A form ready to show one member: texts in their language, boxes ticked as they start."""

    form: CommandForm
    title: str
    text_label: str
    submit: str
    checkboxes: tuple[ShownCheckbox, ...]
    text_hint: str | None = None


class FormDesk(Protocol):
    """What an adapter with modals asks the core about forms (synchronously, in milliseconds)."""

    def forms(self) -> tuple[CommandForm, ...]: ...

    def show(self, form_id: str, *, platform: str, channel: str, member: str) -> ShownForm | None:
        """The form as `member` should see it when opening it in `channel`; None if unknown."""
        ...
