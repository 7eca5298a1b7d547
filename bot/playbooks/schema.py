"""The playbook format: pydantic models, strict, with discriminated unions.

A playbook is a reviewed YAML file. Its `kind` says what it drives (`onboarding`, `moderation`;
`ama` and `ritual` will follow) and each step of an onboarding names what it does in `do`, so a
typo yields one precise error (`steps[2].do: unknown step 'asign_buddy' (did you mean
'assign_buddy'?)`) instead of thirty guesses. `extra="forbid"` everywhere: a misspelt field is an
error, never silently ignored. `playbooks/schema.json` is generated from these models so editors
can autocomplete playbooks (`porch playbooks schema` rewrites it).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)

from bot.core.clock import parse_duration
from bot.features.ama.settings import AmaPlaybook
from bot.features.moderation.rules import RuleList, RuleSet
from bot.features.moderation.settings import ModerationSettings
from bot.features.rituals.settings import RitualPlaybook


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


LOCALE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z]{2,4})?$")


def _text_shape(value: Any) -> Any:
    """One clear error for a malformed text, instead of one per member of the union."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or not value:
        raise ValueError(
            "a text is a string, or a map of locales such as {en: 'Hello', de: 'Hallo'}"
        )
    for locale, text in value.items():
        if not isinstance(locale, str) or not LOCALE.match(locale):
            raise ValueError(f"'{locale}' is not a locale; write en, de, de-CH, ...")
        if not isinstance(text, str):
            raise ValueError(f"the '{locale}' text is not a string (put it in quotes)")
    return value


Text = Annotated[
    str | dict[str, str],
    BeforeValidator(_text_shape),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "propertyNames": {"pattern": LOCALE.pattern},
                    "additionalProperties": {"type": "string"},
                    "minProperties": 1,
                },
            ],
            "description": "A Jinja2 template: one string, or one per locale (en, de, ...).",
        }
    ),
]
"""A text members see: one string, or a map of locales (`en:`, `de:`). A Jinja2 template."""

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
"""Step, choice, interest and setting ids: usable in templates as `answers.<id>`."""

MemberEntry = Annotated[str, StringConstraints(min_length=1, max_length=300)]
"""A member as the configuration names them: `dana`, `slack:U0123`, `matrix:@dana:example.org`."""


def _valid_duration(text: str) -> str:
    parse_duration(text)
    return text


Duration = Annotated[
    str,
    AfterValidator(_valid_duration),
    WithJsonSchema({"type": "string", "pattern": r"^(\d+[smhdw])+$", "examples": ["3d", "1h30m"]}),
]
"""`45m`, `3d`, `1w`, `1d12h`."""

PLATFORMS = ("slack", "matrix", "shell", "memory")


def _channel_shape(value: Any) -> Any:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and value:
        for platform, channel in value.items():
            if platform not in PLATFORMS:
                raise ValueError(f"'{platform}' is not a platform; use {', '.join(PLATFORMS)}")
            if not isinstance(channel, str) or not channel:
                raise ValueError(f"the {platform} channel must be a channel id (a string)")
        return value
    raise ValueError(
        "a channel is a channel id, or one per platform: {slack: C0123, shell: '#help'}"
    )


Channel = Annotated[
    str | dict[str, str],
    BeforeValidator(_channel_shape),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "propertyNames": {"enum": list(PLATFORMS)},
                    "additionalProperties": {"type": "string", "minLength": 1},
                    "minProperties": 1,
                },
            ]
        }
    ),
]
"""A channel or room id (`#help` in the terminal chat), or one per platform."""


def duration(text: str) -> timedelta:
    return parse_duration(text)


def channel_on(channel: str | dict[str, str], platform: str) -> str | None:
    """The channel id an interest or step names on one platform."""
    return channel if isinstance(channel, str) else channel.get(platform)


# -- steps ----------------------------------------------------------------------------------------


class _Step(_Strict):
    id: Identifier | None = None
    """Names the step: for answers (`answers.<id>`), `if: answered`, and reports."""
    title: Text | None = None
    """What the member's checklist on their home page calls this step (plain text, not a
    template); a step with a title is listed there even if it is not one the member does."""


class _Prompting(_Step):
    remind_after: Duration | None = None
    """Send one gentle reminder if the member has not answered after this long."""


class MessageStep(_Step):
    """Tell the member something by DM, or post in one of the community's channels."""

    do: Literal["message"]
    text: Text
    to: Literal["member", "main", "intro", "moderators"] = "member"


class Choice(_Strict):
    id: Identifier
    label: Text
    emoji: str | None = None
    then: list[Step] = []
    """Steps run when this choice is picked, before the journey goes on after the question."""


class AskStep(_Prompting):
    """A question with choices; the pick is recorded as `answers.<id>` and may branch."""

    do: Literal["ask"]
    id: Identifier
    text: Text
    choices: list[Choice] = Field(min_length=1, max_length=10)


class AskTextStep(_Prompting):
    """A question answered in free text (an introduction); too short or too long asks again."""

    do: Literal["ask_text"]
    id: Identifier
    text: Text
    min_length: int = Field(1, ge=1, le=2000)
    max_length: int = Field(1500, ge=1, le=4000)


class AcceptRulesStep(_Prompting):
    """Show the community's house rules (from its moderation playbook) and record the acceptance."""

    do: Literal["accept_rules"]
    text: Text | None = None
    """What comes before the numbered rules (a default in the member's language otherwise)."""


class PostIntroStep(_Step):
    """Post the member's introduction (an `ask_text` answer) to the community's intro channel."""

    do: Literal["post_intro"]
    answer: Identifier
    text: Text | None = None
    confirm: bool = False
    """Show the member the post as it will look and post it only when they say so: they can
    post it, write it again (or just send a new version) or keep it to themselves. A DM reply
    is taken as the introduction; this is how a member who meant something else takes it back."""


class PickInterestsStep(_Prompting):
    """Several choices from the playbook's `interests`; invites the member to their channels."""

    do: Literal["pick_interests"]
    id: Identifier
    text: Text


class AssignBuddyStep(_Step):
    """Round robin among the volunteer buddies who have room; never the member themselves."""

    do: Literal["assign_buddy"]
    capacity: int = Field(3, ge=1, le=100)
    """How many journeys in progress one buddy accompanies at most."""
    text: Text | None = None
    """To the member, once a buddy is found."""
    buddy_text: Text | None = None
    """To the buddy."""


class WaitStep(_Step):
    """Pause the journey: for a while, then optionally until working hours in the member's zone."""

    do: Literal["wait"]
    for_: Duration | None = Field(None, alias="for")
    until: Literal["next_working_morning", "working_hours"] | None = None

    @model_validator(mode="after")
    def _something_to_wait_for(self) -> WaitStep:
        if self.for_ is None and self.until is None:
            raise ValueError("a wait needs 'for' (such as 3d), 'until', or both")
        return self


class IfStep(_Step):
    """Branch on one fact: an answer, whether the member posted since joining, or a role."""

    do: Literal["if"]
    answered: Identifier | None = None
    choice: Identifier | None = None
    """With `answered`: true only if that choice was picked (or ticked)."""
    posted: bool | None = None
    has_role: Literal["member", "host", "moderator", "manager", "admin"] | None = None
    then: list[Step] = []
    else_: list[Step] = Field([], alias="else")

    @model_validator(mode="after")
    def _one_condition(self) -> IfStep:
        given = [n for n in ("answered", "posted", "has_role") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("an 'if' needs exactly one of 'answered', 'posted' or 'has_role'")
        if self.choice is not None and self.answered is None:
            raise ValueError("'choice' goes with 'answered'")
        return self


class NotifyStep(_Step):
    """Tell the community's manager, all managers, or the moderators (their channel, else DMs)."""

    do: Literal["notify"]
    who: Literal["manager", "managers", "moderators"] = "managers"
    text: Text


class ChecklistItem(_Strict):
    id: Identifier
    label: Text


class ChecklistStep(_Prompting):
    """Items the member ticks off; the journey goes on once all are ticked."""

    do: Literal["checklist"]
    id: Identifier
    text: Text
    items: list[ChecklistItem] = Field(min_length=1, max_length=10)
    done_text: Text | None = None


class EndStep(_Step):
    """End the journey here (optionally with a last message)."""

    do: Literal["end"]
    text: Text | None = None


Step = Annotated[
    MessageStep
    | AskStep
    | AskTextStep
    | AcceptRulesStep
    | PostIntroStep
    | PickInterestsStep
    | AssignBuddyStep
    | WaitStep
    | IfStep
    | NotifyStep
    | ChecklistStep
    | EndStep,
    Field(discriminator="do"),
]

STEP_KINDS: tuple[str, ...] = (
    "message",
    "ask",
    "ask_text",
    "accept_rules",
    "post_intro",
    "pick_interests",
    "assign_buddy",
    "wait",
    "if",
    "notify",
    "checklist",
    "end",
)


# -- playbooks ------------------------------------------------------------------------------------


class Interest(_Strict):
    id: Identifier
    label: Text
    channel: Channel
    emoji: str | None = None


class CommunityOverrides(_Strict):
    """What one community that runs this playbook sets differently."""

    settings: dict[Identifier, Text] = {}
    interests: list[Interest] | None = None
    buddies: list[MemberEntry] | None = None


class OnboardingPlaybook(_Strict):
    """A journey every new member of a community goes through."""

    kind: Literal["onboarding"]
    title: Text
    description: str = ""
    on_join: bool = True
    """Start when a member joins (else only with `/porch onboard` and `porch onboard --existing`)."""
    restart_on_rejoin: bool = False
    """Start again from the top when a member who finished it joins again."""
    stuck_after: Duration = "3d"
    """No answer for this long counts as stuck in `/porch onboarding`."""
    during_crisis: Literal["defer", "skip"] = "defer"
    """While the community is in crisis mode, follow-ups (every step after a wait, reminders
    about unanswered questions) wait until it is over (`defer`); `skip` drops the reminders
    (later steps still wait: a journey never loses a step). The welcome is never held."""
    settings: dict[Identifier, Text] = {}
    """Texts the steps use as `settings.<name>`; communities may override them."""
    interests: list[Interest] = []
    buddies: list[MemberEntry] = []
    buddies_from: Literal["moderators", "managers"] | None = None
    """Also count the community's moderators (or managers) as volunteer buddies."""
    communities: dict[str, CommunityOverrides] = {}
    steps: list[Step] = Field(min_length=1)

    def settings_for(self, community: str) -> dict[str, Text]:
        overrides = self.communities.get(community)
        return {**self.settings, **(overrides.settings if overrides else {})}

    def interests_for(self, community: str) -> list[Interest]:
        overrides = self.communities.get(community)
        if overrides is not None and overrides.interests is not None:
            return overrides.interests
        return self.interests

    def buddies_for(self, community: str) -> list[str]:
        overrides = self.communities.get(community)
        if overrides is not None and overrides.buddies is not None:
            return overrides.buddies
        return self.buddies


def _version_text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) else value


class HouseRule(_Strict):
    title: Text
    text: Text


class ModerationPlaybook(_Strict):
    """House rules, and the rules that keep them (see `bot.features.moderation`)."""

    kind: Literal["moderation"]
    title: Text
    description: str = ""
    version: Annotated[str, BeforeValidator(_version_text), StringConstraints(min_length=1)]
    """Changes when the rules change; acceptances record the version they accepted."""
    house_rules: list[HouseRule] = Field(min_length=1, max_length=30)
    rules: RuleList = Field(default_factory=RuleSet)
    policy: ModerationSettings = ModerationSettings()


Playbook = Annotated[
    OnboardingPlaybook | ModerationPlaybook | RitualPlaybook | AmaPlaybook,
    Field(discriminator="kind"),
]
KINDS: dict[
    str,
    type[OnboardingPlaybook] | type[ModerationPlaybook] | type[RitualPlaybook] | type[AmaPlaybook],
] = {
    "onboarding": OnboardingPlaybook,
    "moderation": ModerationPlaybook,
    "ritual": RitualPlaybook,
    "ama": AmaPlaybook,
}

for _model in (Choice, IfStep, OnboardingPlaybook, CommunityOverrides):
    _model.model_rebuild()


def json_schema() -> str:
    """The JSON Schema of every playbook kind, as committed in `playbooks/schema.json`."""
    schema = TypeAdapter(Playbook).json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Porch playbook",
        **schema,
    }
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
