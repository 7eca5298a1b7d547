"""The platform-neutral message.

Features say *what* to show; adapters decide *how* (Block Kit, Matrix HTML, plain text). Text is
a small Markdown subset: **bold**, _italic_, [links](https://…), `code`, and `-` lists.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

ChoiceStyle = Literal["default", "primary", "danger"]


class Choice(BaseModel):
    """One option of a prompt. `id` is what comes back when it is picked; `label` is shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str
    emoji: str | None = None
    style: ChoiceStyle = "default"


class Field(BaseModel):
    """A labelled value shown beside the text (a board's counters, a report's figures)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    value: str


class FormOffer(BaseModel):
    """A form (`bot.core.forms`) the reader may open from this message: an AMA board's "Ask a
    question". Platforms with modals show a button; the others show nothing more, so the text
    must still say how to do the same by command."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    form: str
    label: str


class Message(BaseModel):
    """What a member sees.

    `prompt_id` is set when the message asks something: picks and typed answers come back as
    events carrying it. `multiple` allows picking several choices (interests).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    choices: tuple[Choice, ...] = ()
    fields: tuple[Field, ...] = ()
    context: str | None = None
    prompt_id: str | None = None
    multiple: bool = False
    expects_text: bool = False
    form: FormOffer | None = None
