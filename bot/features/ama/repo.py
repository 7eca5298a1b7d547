"""Reading and writing the AMA tables. Keyword-only functions over the handler's session.

Counting votes always reads `ama_votes` (where a unique constraint keeps every member's vote
single) rather than a counter column, so no race can make the board disagree with the votes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.errors import UserError
from bot.features.ama.ranking import DECLINED, MERGED, WITHDRAWN, QuestionView
from bot.store.ama import AmaAsker, AmaDraft, AmaQuestion, AmaSession, AmaVote
from bot.store.db import insert_ignore
from bot.store.models import MemberRecord

LIVE = "live"
SCHEDULED = "scheduled"
ENDED = "ended"


def lock_for(platform: str, channel: str) -> str:
    return f"{platform}:{channel}"


def get(session: Session, *, ama_id: int) -> AmaSession | None:
    return session.get(AmaSession, ama_id)


def live_in_channel(session: Session, *, platform: str, channel: str) -> AmaSession | None:
    stmt = select(AmaSession).where(AmaSession.live_lock == lock_for(platform, channel))
    return session.exec(stmt).first()


def latest_in_channel(session: Session, *, platform: str, channel: str) -> AmaSession | None:
    stmt = (
        select(AmaSession)
        .where(
            AmaSession.platform == platform,
            AmaSession.channel == channel,
            col(AmaSession.status).in_((LIVE, ENDED)),
        )
        .order_by(col(AmaSession.id).desc())
    )
    return session.exec(stmt).first()


def live_for_member(session: Session, *, platform: str, member: str) -> list[AmaSession]:
    """Live AMAs in every community the member belongs to on this platform (a DM ask)."""
    communities = select(MemberRecord.community).where(
        MemberRecord.platform == platform,
        MemberRecord.user_id == member,
        col(MemberRecord.left_at).is_(None),
    )
    stmt = (
        select(AmaSession)
        .where(
            AmaSession.platform == platform,
            AmaSession.status == LIVE,
            col(AmaSession.community).in_(communities),
        )
        .order_by(col(AmaSession.id))
    )
    return list(session.exec(stmt))


def hosted_in(session: Session, *, community: str, platform: str) -> list[AmaSession]:
    """AMAs whose hosts hold the host role: the scheduled and live ones."""
    stmt = select(AmaSession).where(
        AmaSession.community == community,
        AmaSession.platform == platform,
        col(AmaSession.status).in_((SCHEDULED, LIVE)),
    )
    return list(session.exec(stmt))


def go_live(session: Session, *, ama: AmaSession, now: datetime) -> None:
    """Open the AMA, or refuse if the channel already has a live one (also across replicas).

    The lock is taken inside a savepoint, and only changed there: a savepoint flushes what is
    pending *before* it begins, so a conflict of a change made earlier would break the whole
    transaction instead of just this attempt (a scheduled AMA whose channel is busy could then
    not even say so). On a conflict the AMA is left as it was."""
    session.flush()
    channel = ama.channel
    try:
        with session.begin_nested():
            ama.live_lock = lock_for(ama.platform, channel)
            ama.status = LIVE
            ama.opened_at = now
            session.add(ama)
            session.flush()
    except IntegrityError:
        raise UserError("ama.already_live", channel=channel) from None


def next_number(session: Session, *, ama_id: int) -> int:
    """Hand out the next question number; the UPDATE serializes concurrent askers."""
    result = session.execute(
        update(AmaSession)
        .where(col(AmaSession.id) == ama_id)
        .values(questions_asked=AmaSession.questions_asked + 1)
        .returning(col(AmaSession.questions_asked))
    )
    return int(result.scalar_one())


def add_question(session: Session, *, question: AmaQuestion, asker: str) -> AmaQuestion:
    session.add(question)
    session.flush()
    assert question.id is not None
    session.add(AmaAsker(question_id=question.id, ama_id=question.ama_id, member=asker))
    return question


def question(session: Session, *, ama_id: int, number: int) -> AmaQuestion:
    stmt = select(AmaQuestion).where(AmaQuestion.ama_id == ama_id, AmaQuestion.number == number)
    found = session.exec(stmt).first()
    if found is None:
        raise UserError("ama.no_such_question", number=number)
    return found


def questions(session: Session, *, ama_id: int) -> list[AmaQuestion]:
    stmt = select(AmaQuestion).where(AmaQuestion.ama_id == ama_id).order_by(col(AmaQuestion.number))
    return list(session.exec(stmt))


def asker_of(session: Session, *, question_id: int) -> str | None:
    stmt = select(AmaAsker.member).where(AmaAsker.question_id == question_id)
    return session.exec(stmt).first()


def asked_by(session: Session, *, ama_id: int, member: str) -> int:
    """Questions that count against the member's limit: withdrawn and declined ones do not."""
    stmt = (
        select(func.count())
        .select_from(AmaAsker)
        .join(AmaQuestion, col(AmaQuestion.id) == col(AmaAsker.question_id))
        .where(
            AmaAsker.ama_id == ama_id,
            AmaAsker.member == member,
            col(AmaQuestion.status).not_in((WITHDRAWN, DECLINED)),
        )
    )
    return int(session.exec(stmt).one())


def has_voted(session: Session, *, question_id: int, member: str) -> bool:
    stmt = select(AmaVote.id).where(AmaVote.question_id == question_id, AmaVote.member == member)
    return session.exec(stmt).first() is not None


def add_vote(session: Session, *, question_id: int, member: str, now: datetime) -> bool:
    """True if the vote is new; a racing duplicate is ignored by the unique constraint."""
    return insert_ignore(
        session, AmaVote, {"question_id": question_id, "member": member, "at": now}
    )


def remove_vote(session: Session, *, question_id: int, member: str) -> None:
    session.execute(
        delete(AmaVote).where(
            col(AmaVote.question_id) == question_id, col(AmaVote.member) == member
        )
    )


def vote_counts(session: Session, *, ama_id: int) -> dict[int, int]:
    stmt = (
        select(AmaVote.question_id, func.count())
        .join(AmaQuestion, col(AmaQuestion.id) == col(AmaVote.question_id))
        .where(AmaQuestion.ama_id == ama_id)
        .group_by(col(AmaVote.question_id))
    )
    return {question_id: int(n) for question_id, n in session.exec(stmt)}


def move_votes(session: Session, *, source: int, target: int, now: datetime) -> None:
    """Merging: the votes of `source` count for `target` (a member voting on both counts once)."""
    target_asker = asker_of(session, question_id=target)
    voters = session.exec(select(AmaVote.member).where(AmaVote.question_id == source)).all()
    for voter in voters:
        if voter != target_asker:
            add_vote(session, question_id=target, member=voter, now=now)
    session.execute(delete(AmaVote).where(col(AmaVote.question_id) == source))


def participants(session: Session, *, ama_id: int) -> int:
    askers = set(session.exec(select(AmaAsker.member).where(AmaAsker.ama_id == ama_id)).all())
    voters = session.exec(
        select(AmaVote.member)
        .join(AmaQuestion, col(AmaQuestion.id) == col(AmaVote.question_id))
        .where(AmaQuestion.ama_id == ama_id)
    ).all()
    return len(askers | set(voters))


def views(session: Session, *, ama: AmaSession) -> list[QuestionView]:
    """The AMA's questions as rendering sees them: live counts while live, final ones after."""
    assert ama.id is not None
    rows = questions(session, ama_id=ama.id)
    counts = vote_counts(session, ama_id=ama.id) if ama.status == LIVE else None
    merged: dict[int, list[int]] = {}
    for row in rows:
        if row.status == MERGED and row.merged_into is not None:
            merged.setdefault(row.merged_into, []).append(row.number)
    return [
        QuestionView(
            number=row.number,
            text=row.text or "",
            status=row.status,
            votes=counts.get(row.id or 0, 0) if counts is not None else row.votes,
            created_at=row.created_at,
            asker_name=row.asker_name,
            answer=row.answer,
            merged_into=row.merged_into,
            merged=tuple(merged.get(row.number, ())),
        )
        for row in rows
    ]


def freeze_votes(session: Session, *, ama_id: int) -> None:
    """Write the final counts onto the questions, so the archive outlives the vote rows."""
    counts = vote_counts(session, ama_id=ama_id)
    for row in questions(session, ama_id=ama_id):
        row.votes = counts.get(row.id or 0, 0)
        session.add(row)


def purge(session: Session, *, ama_id: int, now: datetime) -> None:
    """Forget the texts and who asked or voted; keep numbers, statuses and counts."""
    ids = select(AmaQuestion.id).where(AmaQuestion.ama_id == ama_id)
    session.execute(delete(AmaVote).where(col(AmaVote.question_id).in_(ids)))
    session.execute(delete(AmaAsker).where(col(AmaAsker.ama_id) == ama_id))
    session.execute(
        update(AmaQuestion)
        .where(col(AmaQuestion.ama_id) == ama_id)
        .values(text=None, answer=None, asker_name=None)
    )
    session.execute(update(AmaSession).where(col(AmaSession.id) == ama_id).values(purged_at=now))


def save_draft(session: Session, *, draft: AmaDraft) -> int:
    session.add(draft)
    session.flush()
    assert draft.id is not None
    return draft.id


def take_draft(session: Session, *, draft_id: int) -> AmaDraft | None:
    draft = session.get(AmaDraft, draft_id)
    if draft is not None:
        session.delete(draft)
    return draft
