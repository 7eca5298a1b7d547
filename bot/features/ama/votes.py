"""Votes from all three ways in: `/ama vote N`, the question's button, a 👍 reaction on it.

`voting.decide_vote` decides; this module only reads what it needs and writes the vote row. A
refused self-vote is told to the voter alone, in private, and in the same words whether the
question is named or anonymous.
"""

from __future__ import annotations

from bot.core.commands import ParsedCommand
from bot.core.events import CommandInvoked, ReactionAdded, ReactionRemoved
from bot.core.message import Message
from bot.features.ama import repo
from bot.features.ama.common import (
    QUESTION_KEY,
    ama_id,
    live_ama,
    member_texts,
    say,
    touch_board,
)
from bot.features.ama.voting import Intent, Outcome, decide_vote
from bot.features.base import Context
from bot.store.ama import AmaSession

UPVOTE_KEYCAP = "1️⃣"
"""The keycap of the Upvote choice, the first and only one of a question's post."""
THUMBS_UP = frozenset({"👍", "+1", ":+1:", "thumbsup", ":thumbsup:"})


def is_upvote(emoji: str) -> bool:
    """👍 in any skin tone, or the names platforms use for it."""
    return emoji in THUMBS_UP or emoji.startswith("👍")


def vote(ctx: Context, ama: AmaSession, number: int, member: str, intent: Intent) -> Outcome:
    q = repo.question(ctx.session, ama_id=ama_id(ama), number=number)
    question_id = q.id or 0
    outcome = decide_vote(
        intent=intent,
        has_voted=repo.has_voted(ctx.session, question_id=question_id, member=member),
        is_asker=repo.asker_of(ctx.session, question_id=question_id) == member,
        status=q.status if ama.status == repo.LIVE else "closed",
    )
    if outcome is Outcome.ADDED:
        repo.add_vote(ctx.session, question_id=question_id, member=member, now=ctx.now)
    elif outcome is Outcome.REMOVED:
        repo.remove_vote(ctx.session, question_id=question_id, member=member)
    if outcome in (Outcome.ADDED, Outcome.REMOVED):
        touch_board(ctx, ama)
    return outcome


_REPLY = {
    Outcome.ADDED: "ama.voted",
    Outcome.REMOVED: "ama.unvoted",
    Outcome.UNCHANGED: "ama.voted",
    Outcome.OWN_QUESTION: "ama.own_question",
    Outcome.CLOSED: "ama.vote_closed",
}


def vote_command(ctx: Context, command: ParsedCommand, event: CommandInvoked) -> None:
    ama = live_ama(ctx, event, command.get("channel"))
    number = command.get("n")
    outcome = vote(ctx, ama, number, event.member, Intent.TOGGLE)
    say(ctx, event, _REPLY[outcome], number=number)


def _tell_privately(
    ctx: Context, member: str, key: str, outcome: Outcome, number: int, *, by_reaction: bool
) -> None:
    """Button and reaction votes are silent when they work; a refusal is a DM to the voter.

    A reaction is public on the platform, so an asker who 👍s their own anonymous question is
    told to take it back: the board not counting it would otherwise hint at who asked."""
    if outcome not in (Outcome.OWN_QUESTION, Outcome.CLOSED):
        return
    text_key = _REPLY[outcome]
    if by_reaction and outcome is Outcome.OWN_QUESTION:
        text_key = "ama.own_question_reaction"
    text = member_texts(ctx, member)(text_key, number=number)
    ctx.dm(key, member, Message(text=text))


def vote_by_button(ctx: Context, prompt_id: str, member: str, dedupe_key: str) -> None:
    found = _question_of_key(ctx, prompt_id)
    if found is not None:
        ama, number = found
        outcome = vote(ctx, ama, number, member, Intent.TOGGLE)
        _tell_privately(ctx, member, f"ama:vote:{dedupe_key}", outcome, number, by_reaction=False)


def vote_by_reaction(ctx: Context, event: ReactionAdded | ReactionRemoved) -> None:
    """👍 sets the vote, taking it away removes it. Taking away the 1️⃣ keycap (which Matrix
    members click to pick the Upvote choice) removes it too; adding one arrives as a pick."""
    removed_keycap = isinstance(event, ReactionRemoved) and event.emoji == UPVOTE_KEYCAP
    if not (is_upvote(event.emoji) or removed_keycap):
        return
    key = ctx.effect_for_message(event.message_id)
    found = _question_of_key(ctx, key or "")
    if found is None:
        return
    ama, number = found
    intent = Intent.ADD if isinstance(event, ReactionAdded) else Intent.REMOVE
    outcome = vote(ctx, ama, number, event.member, intent)
    _tell_privately(
        ctx, event.member, f"ama:vote:{event.dedupe_key}", outcome, number, by_reaction=True
    )


def _question_of_key(ctx: Context, key: str) -> tuple[AmaSession, int] | None:
    match = QUESTION_KEY.match(key)
    if match is None:
        return None
    ama = repo.get(ctx.session, ama_id=int(match.group(1)))
    return (ama, int(match.group(2))) if ama is not None else None
