"""The `/ama` commands as data: the core parses them, checks roles, and generates usage and help."""

from __future__ import annotations

from bot.core.commands import CommandSpec, Kind, Param
from bot.core.forms import CommandForm, FormCheckbox
from bot.core.roles import Role

ORGANIZERS = frozenset({Role.MANAGER, Role.HOST})
MODERATORS = frozenset({Role.HOST, Role.MODERATOR})
MEMBERS = frozenset({Role.MEMBER})

_CHANNEL = Param("channel", Kind.TEXT, required=False)
_N = Param("n", Kind.INT)
_SESSION_OPTIONS = (
    Param("host", Kind.MEMBERS, required=False),
    Param("for", Kind.DURATION, required=False),
    Param("named", Kind.FLAG, required=False),
    Param("moderated", Kind.FLAG, required=False),
    Param("limit", Kind.INT, required=False),
)


def _spec(
    name: str,
    *,
    args: tuple[Param, ...] = (),
    options: tuple[Param, ...] = (_CHANNEL,),
    roles: frozenset[Role] = MEMBERS,
    example: str = "",
) -> CommandSpec:
    return CommandSpec(
        "ama", name, f"ama.summary_{name}", args, options, roles=roles, example=example
    )


COMMANDS: tuple[CommandSpec, ...] = (
    _spec(
        "start",
        args=(Param("topic"),),
        options=_SESSION_OPTIONS,
        roles=ORGANIZERS,
        example='/ama start "Scaling our API" --host @dana,@lee --for 45m --moderated',
    ),
    _spec(
        "schedule",
        args=(Param("topic"),),
        options=(
            Param("at", required=False),
            Param("in", Kind.DURATION, required=False),
            *_SESSION_OPTIONS,
        ),
        roles=ORGANIZERS,
        example='/ama schedule "Roadmap 2027" --at "2026-12-03 15:00" --host @lee --for 45m',
    ),
    _spec(
        "ask",
        args=(Param("question", rest=True),),
        options=(Param("anon", Kind.FLAG), Param("named", Kind.FLAG), _CHANNEL),
        example='/ama ask "Will the API stay free for open-source projects?" --named',
    ),
    _spec("vote", args=(_N,), example="/ama vote 3"),
    _spec("edit", args=(_N, Param("question", rest=True)), example='/ama edit 3 "Better words"'),
    _spec("withdraw", args=(_N,), example="/ama withdraw 3"),
    _spec("list"),
    _spec("next", roles=MODERATORS),
    _spec(
        "answer",
        args=(_N, Param("answer", rest=True)),
        roles=MODERATORS,
        example='/ama answer 3 "Yes, and we will write that down."',
    ),
    _spec("approve", args=(_N,), roles=MODERATORS, example="/ama approve 3"),
    _spec("skip", args=(_N,), roles=MODERATORS, example="/ama skip 3"),
    _spec(
        "decline",
        args=(_N, Param("reason", rest=True)),
        roles=MODERATORS,
        example='/ama decline 3 "Please ask HR about salaries."',
    ),
    _spec(
        "merge",
        args=(Param("into", Kind.INT), Param("from", Kind.INT)),
        roles=MODERATORS,
        example="/ama merge 4 7",
    ),
    _spec("end", roles=MODERATORS | ORGANIZERS),
    # Open in the grammar: the handler lets this AMA's hosts (also after the end) and the
    # community's moderators export, and names them when it refuses.
    _spec("export"),
)

ASK_FORM = CommandForm(
    id="ama.ask",
    root="ama",
    command="ask",
    title="ama.form_title",
    text_label="ama.form_question",
    submit="ama.form_submit",
    checkboxes=(FormCheckbox("anon", "ama.form_anonymous", unticked="named", default=True),),
    text_hint="ama.form_hint",
)
"""`/ama ask` as a form (a Slack modal): the question, and "ask anonymously" ticked unless the
AMA was started with `--named`. Submitted, it is `/ama ask "..." --anon` (or `--named`)."""
