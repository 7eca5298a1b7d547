"""The onboarding parts of the `porch` command: reports, enrolling existing members, the schema.

    porch onboarding report [--community ID] [--format table|csv]
    porch onboard --existing COMMUNITY [--playbook ID] [--dry-run]
    porch playbooks schema [--check]

`porch onboard --existing` does not message anyone itself: it leaves one enrolment timer per
member in the database, and the running Porch starts each journey as that timer fires, through
the same path as a join (rate limits, the member's language, one journey per member ever).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from bot.config.schema import CommunityConfig, PorchConfig
from bot.core.actions import ListMembers
from bot.core.clock import SystemClock, parse_duration
from bot.core.errors import ConfigError, DatabaseNotMigrated
from bot.delivery import outbox
from bot.features.onboarding import progress
from bot.features.onboarding.buddies import ids_on
from bot.features.onboarding.feature import EXISTING_REASON
from bot.playbooks.schema import OnboardingPlaybook, duration, json_schema
from bot.store import onboarding as journeys_store
from bot.store.db import Store, insert_ignore
from bot.store.models import MemberRecord, TimerRecord

onboarding_app = typer.Typer(help="Onboarding journeys.", no_args_is_help=True)
playbooks_app = typer.Typer(help="Playbooks.", no_args_is_help=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Configuration file (default: the demo community)."),
]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: PORCH_DATABASE_URL or sqlite:///porch.db)."),
]
SCHEMA_FILE = Path(__file__).resolve().parents[3] / "playbooks" / "schema.json"


def _setup(
    config: Path | None, db: str | None
) -> tuple[Store, PorchConfig, dict[str, OnboardingPlaybook]]:
    """A migrated store, the checked configuration and its onboarding playbooks."""
    from bot.cli import _fail, _settings, checked_config
    from bot.compose import config_base
    from bot.playbooks.registry import playbooks_for
    from bot.store.migrate import ensure_schema

    settings = _settings(config, db)
    try:
        checked = checked_config(settings)
        loaded = playbooks_for(checked, config_base(settings))
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise _fail(f"{len(exc.problems)} problem(s) in the configuration.") from None
    store = Store(settings.database_url)
    try:
        ensure_schema(store)
    except DatabaseNotMigrated as exc:
        raise _fail(str(exc)) from None
    onboarding = {pid: p for pid, p in loaded.items() if isinstance(p, OnboardingPlaybook)}
    return store, checked, onboarding


@onboarding_app.command("report")
def report(
    config: ConfigOpt = None,
    db: DbOpt = None,
    community: Annotated[
        str | None, typer.Option(help="Only this community (default: all).")
    ] = None,
    format: Annotated[str, typer.Option(help="table or csv.")] = "table",
    stuck: Annotated[
        str | None,
        typer.Option(
            help="Count as stuck after this long without an answer (default: playbook's)."
        ),
    ] = None,
) -> None:
    """Everyone's onboarding: in progress, stuck, away, completed, stopped."""
    from bot.cli import _fail

    if format not in ("table", "csv"):
        raise _fail(f"--format must be table or csv, not {format!r}")
    store, checked, playbooks = _setup(config, db)
    if community is not None:
        _community(checked, community)
    wanted = _duration(stuck)
    stuck_after = {pid: wanted or duration(p.stuck_after) for pid, p in playbooks.items()}
    with store.transaction() as session:
        found = journeys_store.journeys(session, community=community)
        names: dict[tuple[str, str], str] = {}
        for cid in {j.community for j in found}:
            members = [(j.platform, j.member) for j in found if j.community == cid]
            names.update(journeys_store.names(session, community=cid, members=members))
    store.dispose()
    rows = progress.rows(found, names, now=SystemClock().now(), stuck_after=stuck_after)
    typer.echo(progress.csv_text(rows) if format == "csv" else progress.table(rows), nl=False)


def _duration(text: str | None) -> timedelta | None:
    from bot.cli import _fail

    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise _fail(str(exc)) from None


def onboard(
    existing: Annotated[
        str | None,
        typer.Option(
            "--existing",
            metavar="COMMUNITY",
            help="Enrol the members of COMMUNITY who were there before Porch (never anyone twice).",
        ),
    ] = None,
    playbook: Annotated[
        str | None, typer.Option(help="Which onboarding playbook (default: the one run on join).")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Only list who would be enrolled.")] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Onboard members who joined before Porch ran (in chat: /porch onboard @member)."""
    from bot.cli import _fail

    if existing is None:
        raise _fail(
            "say whom: --existing COMMUNITY (for one member, write /porch onboard @member in chat)"
        )
    store, checked, playbooks = _setup(config, db)
    community = _community(checked, existing)
    runs = [pid for pid in community.playbooks if pid in playbooks]
    if not runs:
        raise _fail(f"community '{existing}' runs no onboarding playbook")
    chosen = playbook or next((pid for pid in runs if playbooks[pid].on_join), runs[0])
    if chosen not in runs:
        raise _fail(f"community '{existing}' does not run '{chosen}'; it runs: {', '.join(runs)}")
    staff = {
        (platform, member)
        for platform in community.channels
        for member in ids_on(
            (*community.admins, *community.managers, *community.moderators), platform
        )
    }
    now = SystemClock().now()
    listings = [
        ListMembers(platform=platform, channel=channels.main, reason=EXISTING_REASON + chosen)
        for platform, channels in community.channels.items()
        if channels is not None and channels.main
    ]
    with store.transaction() as session:
        members = [
            m
            for m in journeys_store.members_without_journey(
                session, community=existing, playbook=chosen
            )
            if (m.platform, m.user_id) not in staff
        ]
        enrolled = 0 if dry_run else sum(_enrol(session, m, chosen, now) for m in members)
        if not dry_run:
            for action in listings:
                key = f"onboarding:list:{existing}:{chosen}:{action.platform}:{now.isoformat()}"
                outbox.enqueue(session, key=key, action=action, now=now)
    store.dispose()
    for member in members:
        typer.echo(f"{member.platform}:{member.user_id} {member.display_name}".rstrip())
    where = ", ".join(f"{a.channel} on {a.platform}" for a in listings) or "no channel"
    if dry_run:
        typer.echo(
            f"{len(members)} member(s) of {existing} Porch has seen would be enrolled into "
            f"{chosen}; the members of {where} would be asked for too (only the platform knows "
            "them)."
        )
        return
    typer.echo(
        f"{enrolled} member(s) of {existing} Porch has seen enrolled into {chosen}, and the "
        f"platform asked for everyone in {where}: each member it lists who has never had this "
        "journey is enrolled too. Porch welcomes them as soon as it runs (at once, if it is "
        "running). Staff (admins, managers, moderators) are left out."
    )


def _community(config: PorchConfig, community_id: str) -> CommunityConfig:
    from bot.cli import _fail

    for community in config.communities:
        if community.id == community_id:
            return community
    known = ", ".join(c.id for c in config.communities)
    raise _fail(f"no community '{community_id}'; there are: {known}")


def _enrol(session: Session, member: MemberRecord, playbook: str, now: datetime) -> bool:
    """One enrolment timer per member and playbook, ever: a second run adds nothing."""
    key = f"onboarding:enrol:{member.community}:{playbook}:{member.platform}:{member.user_id}"
    return insert_ignore(
        session,
        TimerRecord,
        {
            "key": key,
            "feature": "onboarding",
            "community": member.community,
            "platform": member.platform,
            "member": member.user_id,
            "subject": "enrol",
            "payload": {"why": "enrol", "playbook": playbook},
            "due_at": now,
            "status": "pending",
        },
    )


@playbooks_app.command("schema")
def schema(
    check: Annotated[
        bool, typer.Option(help="Only check that playbooks/schema.json is current.")
    ] = False,
) -> None:
    """Write the playbooks' JSON Schema to playbooks/schema.json (editors use it to autocomplete)."""
    from bot.cli import _fail

    current = json_schema()
    if check:
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != current:
            raise _fail(f"{SCHEMA_FILE} is stale; run `porch playbooks schema`", code=1)
        typer.echo(f"{SCHEMA_FILE} is current.")
        return
    SCHEMA_FILE.write_text(current, encoding="utf-8")
    typer.echo(f"Wrote {SCHEMA_FILE}.")
