"""The Matrix adapter: a nio client, one sync loop in, typed actions out.

Construction does no I/O. `start()` logs in, restores the device and the sync token from the data
directory, makes the first sync *before* it returns (so nothing said after `start()` can fall
into the history that a fresh start skips), then keeps syncing in a task; `stop()` cancels that
task and closes the client.

Inbound, every timeline event goes through the pure `inbound.to_event`; the sync token is saved
only after the sink took a batch, so a crash re-reads it and the Inbox drops what it already
has. Outbound, every send carries a `txn_id` derived from the Outbox item, so the homeserver
drops a resend after a crash instead of posting twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import nio

from adapters.matrix import moderation, power, render
from adapters.matrix.errors import call
from adapters.matrix.inbound import (
    InboundRules,
    RoomView,
    creators_of,
    previous_membership,
    reaction_of,
    roles_from_power_levels,
    to_event,
)
from adapters.matrix.lease import Lease
from adapters.matrix.members import report_members
from adapters.matrix.reactions import ReactionLog
from adapters.matrix.state import MatrixState
from bot.core.actions import (
    Action,
    Ban,
    Capability,
    Delivered,
    DirectMessage,
    Edit,
    GroupMessage,
    Invite,
    Kick,
    ListMembers,
    MessageRef,
    Pin,
    Post,
    React,
    Redact,
)
from bot.core.adapter import DeliveryContext, EventSink, RateBudget
from bot.core.clock import Clock
from bot.core.errors import (
    AuthFailed,
    PlatformError,
    PorchError,
    RateLimited,
    Transient,
    Unsupported,
)
from bot.core.events import Event, MemberRolesChanged
from bot.core.message import Message

log = logging.getLogger(__name__)

CAPABILITIES = frozenset(
    {
        Capability.SEND,
        Capability.DM,
        Capability.GROUP_DM,
        Capability.THREAD,
        Capability.REACT,
        Capability.EDIT,
        Capability.REDACT,
        Capability.REDACT_ANY,
        Capability.INVITE,
        Capability.KICK,
        Capability.BAN,
        Capability.PIN,
        Capability.LIST_MEMBERS,
        Capability.MUTE,
    }
)
"""What Matrix really has. No ephemeral messages, modals or home tabs: the core degrades those."""

SYNAPSE_DEFAULT_BUDGET = RateBudget(
    per_second=0.2, burst=10, per_channel_per_second=0.2, per_channel_burst=10
)
"""Synapse's default `rc_message` (0.2 events/s, burst 10), which applies per sender across all
rooms. Staying inside it means Porch rarely sees a 429; an operator who exempts the bot with
`override_ratelimit` passes `rate_budget=EXEMPT_BUDGET` (see docs/matrix.md)."""

EXEMPT_BUDGET = RateBudget(per_second=20, burst=50, per_channel_per_second=5, per_channel_burst=20)
"""A polite pace for a bot the homeserver admin exempted from `rc_message`."""

DEFAULT_POWER_ROLES: Mapping[str, int] = {"moderator": 50, "manager": 100}
"""Element's Moderator and Admin levels, as Porch roles (`platforms.matrix.power_roles`)."""

SYNC_TIMEOUT_MS = 30_000
SYNC_RETRY_CAP = 60.0
ROOM_WAIT = 15.0
"""Seconds a send waits for the sync to show a room Porch just created or joined."""

_DM_PRESET = nio.RoomPreset.trusted_private_chat
CLOCK_SKEW_MS = 60_000
"""Slack for the cut-off of a first start: the homeserver stamps events with its own clock, and
what happened before the first sync is skipped anyway, so the cut-off only needs to catch
history that is clearly old, never a fresh event from a server whose clock runs behind ours."""


@dataclass(frozen=True)
class MatrixLogin:
    """How the bot logs in: an access token (preferred) or a password. Never logged."""

    access_token: str | None = None
    password: str | None = None


class MatrixAdapter:
    platform = "matrix"
    capabilities: frozenset[Capability] = CAPABILITIES

    def __init__(
        self,
        *,
        homeserver: str,
        user_id: str,
        login: MatrixLogin,
        data_dir: Path,
        clock: Clock,
        rooms: Iterable[str],
        trusted_inviters: Iterable[str] = (),
        role_rooms: Iterable[str] = (),
        power_roles: Mapping[str, int] = DEFAULT_POWER_ROLES,
        command_prefix: str = "!",
        command_roots: tuple[str, ...] = ("porch", "ama"),
        device_name: str = "Porch",
        encryption: bool = True,
        encrypt_new_dms: bool = True,
        require_encrypted_dms: bool = False,
        rate_budget: RateBudget = SYNAPSE_DEFAULT_BUDGET,
        lease: Lease | None = None,
    ) -> None:
        if not (login.access_token or login.password):
            raise AuthFailed(
                "no_credentials", "set PORCH_MATRIX_ACCESS_TOKEN or PORCH_MATRIX_PASSWORD"
            )
        self.homeserver = homeserver
        self.user_id = user_id
        self.rate_budget = rate_budget
        self.data_dir = data_dir
        self.rooms = frozenset(rooms)
        """The configured communities' rooms: invites to these are accepted."""
        self.trusted_inviters = frozenset(trusted_inviters)
        """Users whose invites are accepted to any room (`platforms.matrix.invited_by`)."""
        self.role_rooms = frozenset(role_rooms)
        """The communities' main rooms: their power levels are the members' Porch roles."""
        self.power_roles = dict(power_roles)
        self._login = login
        self._clock = clock
        self._prefix = command_prefix
        self._roots = command_roots
        self._device_name = device_name
        self._encryption = encryption
        self._encrypt_new_dms = encrypt_new_dms
        self._require_encrypted_dms = require_encrypted_dms
        self._client: nio.AsyncClient | None = None
        self._state = MatrixState()
        self._sink: EventSink | None = None
        self._task: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()
        self._m_direct: dict[str, list[str]] = {}
        self._reactions: ReactionLog | None = None
        self._invites_seen: set[str] = set()
        self._lease = lease
        """With several replicas: only the one that holds it syncs and sends."""
        self._creators: dict[str, tuple[str, ...]] = {}
        """Room id -> the creators who outrank every power level (room version 12 on)."""

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def client(self) -> nio.AsyncClient:
        """The logged-in nio client (only between `start()` and `stop()`)."""
        if self._client is None:
            raise Transient("the Matrix adapter is not started")
        return self._client

    async def start(self, sink: EventSink) -> None:
        """Run Matrix, or, when another replica holds the lease, wait in the background to take
        it over (so the rest of this Porch starts either way)."""
        self._sink = sink
        if self._lease is not None and not await self._lease.try_acquire():
            log.info("another Porch replica runs Matrix; this one waits to take over")
            self._task = asyncio.create_task(self._run(leading=False), name="matrix-sync")
            return
        try:
            await self._lead()
        except BaseException:
            if self._lease is not None:
                await self._lease.release()
            raise
        self._task = asyncio.create_task(self._run(leading=True), name="matrix-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close()
        if self._lease is not None:
            await self._lease.release()
        self._sink = None

    async def _lead(self) -> None:
        """Log in and resume from the data directory: this replica runs Matrix now."""
        self._state = MatrixState.load(self.data_dir)
        self._reactions = ReactionLog(self.data_dir)
        self._client = self._new_client()
        try:
            await self._log_in(self._client)
            self._m_direct = await self._known_direct()
            await self._first_sync(self._client)
        except BaseException:
            await self._close()
            raise

    async def _run(self, *, leading: bool) -> None:
        """Sync while this replica leads; without the lease (or after losing it), take it over."""
        while True:
            if not leading:
                await self._take_over()
            leading = False
            if not await self._sync_forever():
                return

    async def _take_over(self) -> None:
        """Try for the lease until this replica gets it, then start running Matrix."""
        assert self._lease is not None
        while True:
            await asyncio.sleep(self._lease.try_every)  # the pace of a waiting replica's tries
            if not await self._lease.try_acquire():
                continue
            try:
                await self._lead()
            except PorchError as exc:
                log.warning("took the Matrix lease but could not start Matrix: %s", exc)
                await self._lease.release()
                continue
            log.info("this Porch replica took over Matrix")
            return

    async def _leading(self) -> bool:
        """Whether this replica may sync and send now."""
        if self._client is None:
            return False
        return self._lease is None or await self._lease.still_held()

    async def _close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._reactions is not None:
            self._reactions.close()
            self._reactions = None

    def _new_client(self) -> nio.AsyncClient:
        store = self.data_dir / "crypto"
        store.mkdir(parents=True, exist_ok=True)
        config = nio.AsyncClientConfig(
            encryption_enabled=self._encryption,
            store_sync_tokens=False,
            max_limit_exceeded=0,
            max_timeouts=2,
            request_timeout=SYNC_TIMEOUT_MS / 1000 + 30,
        )
        return nio.AsyncClient(
            self.homeserver,
            self.user_id,
            device_id=self._state.device_id or None,
            store_path=str(store),
            config=config,
        )

    async def _log_in(self, client: nio.AsyncClient) -> None:
        """Log in with the token (asking the server which device it belongs to) or the password."""
        if self._state.user_id and self._state.user_id != self.user_id:
            raise AuthFailed(
                "wrong_data_dir",
                f"{self.data_dir} belongs to {self._state.user_id}, not {self.user_id}",
            )
        if self._login.access_token:
            client.access_token = self._login.access_token
            whoami = await call(client.whoami(), nio.WhoamiResponse, "whoami")
            if whoami.user_id != self.user_id:
                raise AuthFailed("wrong_user", f"the token belongs to {whoami.user_id}")
            device = whoami.device_id or self._state.device_id
            client.restore_login(self.user_id, device, self._login.access_token)
        else:
            assert self._login.password is not None
            login = await call(
                client.login(
                    self._login.password,
                    device_name=self._device_name,
                ),
                nio.LoginResponse,
                "login",
            )
            device = login.device_id
        self._state.user_id = self.user_id
        self._state.device_id = device
        self._state.save(self.data_dir)

    # -- inbound -----------------------------------------------------------------------------

    async def _first_sync(self, client: nio.AsyncClient) -> None:
        """Resume from the stored token, or, on a first start, learn the rooms and skip history."""
        resuming = bool(self._state.next_batch)
        response = await call(
            client.sync(
                timeout=0,
                since=self._state.next_batch or None,
                full_state=True,
                sync_filter=None if resuming else _fresh_start_filter(),
            ),
            nio.SyncResponse,
            "first sync",
        )
        if not resuming:
            now_ms = int(self._clock.now().timestamp() * 1000)
            self._state.not_before_ms = now_ms - CLOCK_SKEW_MS
        await self._take(response, handle_timeline=resuming)

    async def _sync_forever(self) -> bool:
        """Sync until the lease is lost (True: wait to take it back) or the credentials are
        refused (False: nothing more to do)."""
        failures = 0
        while True:
            if not await self._leading():
                return await self._step_down()
            client = self.client
            try:
                await self._keep_keys(client)
                response = await call(
                    client.sync(timeout=SYNC_TIMEOUT_MS), nio.SyncResponse, "sync"
                )
                if not await self._leading():  # the lease went while the sync waited
                    return await self._step_down()
                await self._take(response, handle_timeline=True)
                failures = 0
            except AuthFailed as exc:
                log.error("Matrix refused Porch's credentials (%s); the sync loop stops", exc)
                return False
            except PorchError as exc:
                failures += 1
                delay = min(SYNC_RETRY_CAP, 2.0**failures)
                log.warning("Matrix sync failed (%s); trying again in %.0fs", exc, delay)
                await asyncio.sleep(delay)  # back-off on a real network failure

    async def _step_down(self) -> bool:
        """Stop running Matrix after losing the lease; the batch in hand is left to the replica
        that holds it now (the sync position is not advanced). True: wait to take it back."""
        log.error("this Porch replica lost the Matrix lease; it stops syncing and sending")
        await self._close()
        return True

    async def _ready_to_encrypt(self, room_id: str) -> None:
        """Before the first message into an encrypted room: know every member's devices and hold
        an Olm session with each, so the room key reaches them. A welcome sent in the same sync
        batch as the join would otherwise be unreadable for good (nio skips unknown devices)."""
        client = self.client
        room = client.rooms.get(room_id)
        if client.olm is None or room is None or not room.encrypted:
            return
        if client.should_query_keys:
            await call(client.keys_query(), nio.KeysQueryResponse, "keys query")
        missing = client.get_missing_sessions(room_id)
        if missing:
            await call(client.keys_claim(missing), nio.KeysClaimResponse, "keys claim")

    async def _keep_keys(self, client: nio.AsyncClient) -> None:
        """The end-to-end housekeeping `sync_forever` would do: keys up, keys asked, keys claimed."""
        if client.olm is None:
            return
        await call(client.send_to_device_messages(), list, "to-device messages")
        if client.should_upload_keys:
            await call(client.keys_upload(), nio.KeysUploadResponse, "keys upload")
        if client.should_query_keys:
            await call(client.keys_query(), nio.KeysQueryResponse, "keys query")
        if client.should_claim_keys:
            users = client.get_users_for_key_claiming()
            await call(client.keys_claim(users), nio.KeysClaimResponse, "keys claim")

    async def _take(self, response: nio.SyncResponse, *, handle_timeline: bool) -> None:
        """Handle one sync batch, then remember its token (only then: a crash re-reads it)."""
        self._note_direct(response.account_data_events)
        await self._answer_invites(response.rooms.invite)
        for room_id, info in response.rooms.join.items():
            await self._report_roles(room_id, info.state)
            if handle_timeline:
                await self._handle_timeline(room_id, info.timeline.events)
            else:
                await self._report_roles(room_id, info.timeline.events)
        self._state.next_batch = response.next_batch
        self._state.save(self.data_dir)
        self._synced.set()
        self._synced.clear()

    async def _handle_timeline(self, room_id: str, events: list[Any]) -> None:
        rules = InboundRules(
            own_user_id=self.user_id,
            command_prefix=self._prefix,
            command_roots=self._roots,
            not_before_ms=self._state.not_before_ms,
        )
        refused = self._refuses_unencrypted(room_id)
        for event in _after_own_join(events, self.user_id):
            raw = getattr(event, "source", None)
            if not isinstance(raw, Mapping) or (refused and raw.get("type") != "m.room.member"):
                continue
            if isinstance(event, nio.MegolmEvent):
                log.warning("could not decrypt %s in %s (no room key yet)", event.event_id, room_id)
                continue
            self._remember_reaction(raw)
            for changed in self._roles_in(room_id, raw):
                await self._deliver(changed, raw)
            normalized = to_event(raw, self._room_view(room_id, raw.get("sender")), rules)
            if normalized is not None and self._sink is not None:
                await self._deliver(normalized, raw)

    async def _report_roles(self, room_id: str, events: Iterable[Any]) -> None:
        """The roles that power levels in a community's main room grant (state or history)."""
        raws = [raw for e in events if isinstance(raw := getattr(e, "source", None), Mapping)]
        for raw in raws:
            if creators := creators_of(raw):
                self._creators[room_id] = creators
        for raw in raws:
            for changed in self._roles_in(room_id, raw):
                await self._deliver(changed, raw)

    def _roles_in(self, room_id: str, raw: Mapping[str, Any]) -> list[MemberRolesChanged]:
        if room_id not in self.role_rooms or self._sink is None:
            return []
        creators = self._creators.get(room_id, ())
        return roles_from_power_levels(raw, room_id, self.power_roles, self.user_id, creators)

    async def _deliver(self, event: Event, raw: Mapping[str, Any]) -> None:
        """Hand one event to Porch. If Porch cannot take it (its database is down), the batch is
        read again from the previous sync token after a back-off; the Inbox drops what it took."""
        assert self._sink is not None
        try:
            await self._sink(event)
        except Exception as exc:
            log.exception("Porch could not take Matrix event %s", raw.get("event_id"))
            self.client.next_batch = self._state.next_batch
            raise Transient(f"Porch could not take {raw.get('event_id')}: {exc}") from exc

    def _room_view(self, room_id: str, sender: object) -> RoomView:
        room = self.client.rooms.get(room_id)
        names: dict[str, str] = {}
        if room is not None and isinstance(sender, str):
            names[sender] = room.user_name(sender) or ""
        return RoomView(
            room_id=room_id,
            is_direct=self.is_direct_room(room_id),
            display_names=names,
            reactions=self._reactions if self._reactions is not None else {},
        )

    def _remember_reaction(self, raw: Mapping[str, Any]) -> None:
        """Keep recent reactions, so redacting one can be reported as the reaction's removal."""
        content = raw.get("content")
        if raw.get("type") != "m.reaction" or not isinstance(content, Mapping):
            return
        found = reaction_of(content)
        if found is not None and self._reactions is not None:
            self._reactions.remember(str(raw.get("event_id")), *found)

    def _refuses_unencrypted(self, room_id: str) -> bool:
        """With `require_encrypted_dms`, what members write in an unencrypted DM is ignored."""
        if not self._require_encrypted_dms or not self.is_direct_room(room_id):
            return False
        room = self.client.rooms.get(room_id)
        return room is None or not room.encrypted

    def is_direct_room(self, room_id: str) -> bool:
        """A room outside the communities that Porch shares with exactly one other person."""
        if room_id in self.rooms:
            return False
        if room_id in self._state.direct.values():
            return True
        if any(room_id in rooms for rooms in self._m_direct.values()):
            return True
        room = self.client.rooms.get(room_id)
        return room is not None and len(set(room.users) | set(room.invited_users)) == 2

    def _note_direct(self, events: Iterable[Any]) -> None:
        for event in events:
            if getattr(event, "type", None) == "m.direct" and isinstance(event.content, dict):
                self._m_direct = {
                    user: [r for r in rooms if isinstance(r, str)]
                    for user, rooms in event.content.items()
                    if isinstance(rooms, list)
                }

    # -- invites -----------------------------------------------------------------------------

    async def _answer_invites(self, invites: Mapping[str, Any]) -> None:
        """Join the communities' rooms and DMs from their members; decline everything else."""
        for room_id, info in invites.items():
            if room_id in self._invites_seen:
                continue
            self._invites_seen.add(room_id)
            inviter, direct = _invitation(info.invite_state, self.user_id)
            try:
                trusted = inviter is not None and inviter in self.trusted_inviters
                if (
                    room_id in self.rooms
                    or trusted
                    or (direct and self._is_community_member(inviter))
                ):
                    await call(self.client.join(room_id), nio.JoinResponse, f"join {room_id}")
                    if direct and inviter:
                        self._state.direct[inviter] = room_id
                else:
                    log.info("declining the invite of %s to %s", inviter, room_id)
                    await call(
                        self.client.room_leave(room_id), nio.RoomLeaveResponse, f"leave {room_id}"
                    )
            except PorchError as exc:
                self._invites_seen.discard(room_id)
                log.warning("could not answer the invite to %s: %s", room_id, exc)

    def _is_community_member(self, user: str | None) -> bool:
        if not user:
            return False
        for room_id in self.rooms:
            room = self.client.rooms.get(room_id)
            if room is not None and user in room.users:
                return True
        return False

    # -- outbound ------------------------------------------------------------------------------

    async def execute(self, action: Action, ctx: DeliveryContext) -> Delivered:
        if self._lease is not None and not await self._leading():
            # Another replica sends Matrix. Not a failure of this Outbox item: it waits a moment
            # without counting an attempt, and the replica that leads takes it meanwhile.
            raise RateLimited(self._lease.try_every, scope="global")
        if isinstance(action, Post):
            return await self._post(action, ctx)
        if isinstance(action, DirectMessage):
            room = await self._dm_room(action.member)
            return await self._send_message(room, action.message, ctx)
        if isinstance(action, GroupMessage):
            room = await self._group_room(action.members)
            return await self._send_message(room, action.message, ctx)
        if isinstance(action, Edit):
            return await self._edit(action, ctx)
        if isinstance(action, React):
            target = _message_id(action.target)
            event_id = await self._react(action.channel, target, action.emoji, _txn(ctx))
            return Delivered(message_id=event_id, channel=action.channel)
        if isinstance(action, Redact):
            return await self._redact(action, ctx)
        if isinstance(action, Pin):
            return await self._pin(action)
        if isinstance(action, Invite):
            return await self._invite(action)
        if isinstance(action, Kick):
            return await self._kick(action)
        if isinstance(action, Ban):
            await self.ban(action.channel, action.member, action.reason)
            return Delivered(channel=action.channel)
        if isinstance(action, ListMembers):
            if self._sink is None:
                raise Transient("the Matrix adapter is not started")
            now = self._clock.now()
            return await report_members(self.client, self.user_id, action, ctx, self._sink, now)
        if isinstance(action, moderation.ModerationAction):
            levels = self._power_levels(action.channel)
            return await moderation.carry_out(self.client, self.user_id, action, levels)
        raise Unsupported(self.platform, action.kind)

    async def _post(self, action: Post, ctx: DeliveryContext) -> Delivered:
        relation = None
        if action.thread is not None:
            root = _message_id(action.thread)
            relation = {
                "rel_type": "m.thread",
                "event_id": root,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": root},
            }
        return await self._send_message(action.channel, action.message, ctx, relation)

    async def _send_message(
        self,
        room_id: str,
        message: Message,
        ctx: DeliveryContext,
        relation: dict[str, Any] | None = None,
    ) -> Delivered:
        """Send a rendered message; for a prompt, add the keycaps to pick with (each idempotent)."""
        content = render.content_of(message)
        if relation is not None:
            content["m.relates_to"] = relation
        event_id = await self._send(room_id, "m.room.message", content, _txn(ctx))
        for number, keycap in enumerate(render.keycaps_for(message), start=1):
            await self._react(room_id, event_id, keycap, _txn(ctx, f"k{number}"))
        return Delivered(message_id=event_id, channel=room_id)

    async def _send(self, room_id: str, kind: str, content: dict[str, Any], txn: str) -> str:
        if self._encryption and room_id not in self.client.rooms:
            await self._wait_for_room(room_id)
        await self._ready_to_encrypt(room_id)
        try:
            response = await call(
                self.client.room_send(
                    room_id, kind, content, tx_id=txn, ignore_unverified_devices=True
                ),
                nio.RoomSendResponse,
                f"send {kind} to {room_id}",
            )
        except PlatformError as exc:
            raise self._explain_refusal(exc, room_id, power.to_send(kind), "send messages") from exc
        return str(response.event_id)

    async def _react(self, room_id: str, target: str, emoji: str, txn: str) -> str:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": emoji}}
        return await self._send(room_id, "m.reaction", content, txn)

    async def _edit(self, action: Edit, ctx: DeliveryContext) -> Delivered:
        target = _message_id(action.target)
        new = render.content_of(action.message)
        content = {
            **new,
            "body": f"* {new['body']}",
            "formatted_body": f"* {new['formatted_body']}",
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": target},
        }
        await self._send(action.channel, "m.room.message", content, _txn(ctx))
        return Delivered(message_id=target, channel=action.channel)

    async def _redact(self, action: Redact, ctx: DeliveryContext) -> Delivered:
        target = _message_id(action.target)
        if not await self._is_own_event(action.channel, target):
            self._require(action.channel, power.to_redact_others, "redact messages")
        response = await call(
            self.client.room_redact(action.channel, target, action.reason or None, tx_id=_txn(ctx)),
            nio.RoomRedactResponse,
            f"redact {target} in {action.channel}",
        )
        return Delivered(message_id=str(response.event_id), channel=action.channel)

    async def _is_own_event(self, room_id: str, event_id: str) -> bool:
        """Porch may always redact what it posted itself, whatever its power level."""
        try:
            response = await call(
                self.client.room_get_event(room_id, event_id),
                nio.RoomGetEventResponse,
                f"read {event_id}",
            )
        except PlatformError:
            return False
        return bool(response.event.sender == self.user_id)

    async def _pin(self, action: Pin) -> Delivered:
        target = _message_id(action.target)
        kind = "m.room.pinned_events"
        self._require(action.channel, power.to_set_state(kind), "pin messages")
        pinned = await self._pinned(action.channel)
        if target not in pinned:
            await call(
                self.client.room_put_state(action.channel, kind, {"pinned": [*pinned, target]}),
                nio.RoomPutStateResponse,
                f"pin {target} in {action.channel}",
            )
        return Delivered(message_id=target, channel=action.channel)

    async def _pinned(self, room_id: str) -> list[str]:
        try:
            response = await call(
                self.client.room_get_state_event(room_id, "m.room.pinned_events"),
                nio.RoomGetStateEventResponse,
                f"read the pins of {room_id}",
            )
        except PlatformError as exc:
            if exc.code == "M_NOT_FOUND":
                return []
            raise
        pinned = response.content.get("pinned", [])
        return [p for p in pinned if isinstance(p, str)]

    async def _invite(self, action: Invite) -> Delivered:
        room = self.client.rooms.get(action.channel)
        if room is not None and action.member in room.users:
            return Delivered(channel=action.channel)  # already there (or already invited)
        self._require(action.channel, power.to_invite, "invite members")
        await call(
            self.client.room_invite(action.channel, action.member),
            nio.RoomInviteResponse,
            f"invite {action.member} to {action.channel}",
        )
        return Delivered(channel=action.channel)

    async def _kick(self, action: Kick) -> Delivered:
        self._require(action.channel, power.to_kick(action.member), f"remove {action.member}")
        await call(
            self.client.room_kick(action.channel, action.member, action.reason or None),
            nio.RoomKickResponse,
            f"kick {action.member} from {action.channel}",
        )
        return Delivered(channel=action.channel)

    async def ban(self, room_id: str, member: str, reason: str = "") -> None:
        """Ban a member from a room, after checking Porch has the power to."""
        self._require(room_id, power.to_ban(member), f"ban {member}")
        await call(
            self.client.room_ban(room_id, member, reason or None),
            nio.RoomBanResponse,
            f"ban {member} from {room_id}",
        )

    # -- power levels -------------------------------------------------------------------------

    def _require(self, room_id: str, requirement: power.Requirement, what: str) -> None:
        """Refuse early, naming the power level and room, when Porch plainly lacks the power."""
        needed = power.shortfall(self._power_levels(room_id), self.user_id, requirement)
        if needed is not None:
            raise power.insufficient(needed, room_id, what)

    def _explain_refusal(
        self, error: PlatformError, room_id: str, requirement: power.Requirement, what: str
    ) -> PlatformError:
        """A homeserver's M_FORBIDDEN, told as the power level Porch lacks (when that is why)."""
        needed = power.shortfall(self._power_levels(room_id), self.user_id, requirement)
        if error.code == "forbidden" and needed is not None:
            return power.insufficient(needed, room_id, what)
        return error

    def _power_levels(self, room_id: str) -> nio.PowerLevels | None:
        room = self.client.rooms.get(room_id)
        return None if room is None else room.power_levels

    # -- direct and group rooms ---------------------------------------------------------------

    async def _dm_room(self, member: str) -> str:
        """The DM room with `member`: the remembered one, one from `m.direct`, or a new one."""
        for room_id in self._dm_candidates(member):
            if self._shared_with(room_id, member):
                self._remember_dm(member, room_id)
                return room_id
        room_id = await self._create_room([member], direct=True)
        self._remember_dm(member, room_id)
        await self._mark_direct(member, room_id)
        return room_id

    def _dm_candidates(self, member: str) -> list[str]:
        known = [self._state.direct.get(member, ""), *self._m_direct.get(member, [])]
        found = [
            room_id
            for room_id, room in self.client.rooms.items()
            if room_id not in self.rooms
            and set(room.users) | set(room.invited_users) == {self.user_id, member}
        ]
        candidates = [r for r in dict.fromkeys([*known, *sorted(found)]) if r]
        if self._require_encrypted_dms:
            return [r for r in candidates if not self._refuses_unencrypted(r)]
        return candidates

    def _shared_with(self, room_id: str, member: str) -> bool:
        room = self.client.rooms.get(room_id)
        return (
            room is not None
            and self.user_id in room.users
            and (member in room.users or member in room.invited_users)
        )

    def _remember_dm(self, member: str, room_id: str) -> None:
        if self._state.direct.get(member) != room_id:
            self._state.direct[member] = room_id
            self._state.save(self.data_dir)

    async def _group_room(self, members: tuple[str, ...]) -> str:
        key = ",".join(sorted(members))
        known = self._state.groups.get(key)
        if known and known in self.client.rooms:
            return known
        room_id = await self._create_room(sorted(members), direct=False)
        self._state.groups[key] = room_id
        self._state.save(self.data_dir)
        return room_id

    async def _create_room(self, invite: list[str], *, direct: bool) -> str:
        """Open a private room (encrypted unless configured otherwise) and wait until the sync
        shows it. A DM uses Element's preset, which makes both people admins of their room; a
        group gets the plain private preset, so Porch stays its only admin."""
        initial_state = []
        if self._encryption and self._encrypt_new_dms:
            initial_state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        response = await call(
            self.client.room_create(
                is_direct=direct,
                invite=invite,
                preset=_DM_PRESET if direct else nio.RoomPreset.private_chat,
                initial_state=initial_state,
            ),
            nio.RoomCreateResponse,
            f"open a room with {', '.join(invite)}",
        )
        room_id = str(response.room_id)
        await self._wait_for_room(room_id, invite)
        return room_id

    async def _known_direct(self) -> dict[str, list[str]]:
        """`m.direct` at start-up; without it DMs are still recognized by their two members."""
        try:
            return await self._read_direct()
        except AuthFailed:
            raise
        except PorchError as exc:
            log.warning("could not read m.direct at start: %s", exc)
            return {}

    async def _read_direct(self) -> dict[str, list[str]]:
        """The account's `m.direct` map (empty if it has none yet)."""
        try:
            response = await call(
                self.client.list_direct_rooms(), nio.DirectRoomsResponse, "read m.direct"
            )
        except PlatformError as exc:
            if exc.code == "M_NOT_FOUND":
                return {}
            raise
        return {user: list(rooms) for user, rooms in response.rooms.items()}

    async def _mark_direct(self, member: str, room_id: str) -> None:
        """Add the room to `m.direct`, as Element does, so every client shows it as a DM.

        The map is read fresh and merged, so the rooms other clients recorded are kept.
        """
        try:
            mapping = await self._read_direct()
        except PorchError as exc:
            log.warning("could not read m.direct, leaving it alone: %s", exc)
            return
        rooms = mapping.setdefault(member, [])
        if room_id not in rooms:
            rooms.append(room_id)
        self._m_direct = mapping
        path = nio.Api._build_path(["user", self.user_id, "account_data", "m.direct"])
        headers = {
            "Authorization": f"Bearer {self.client.access_token}",
            "Content-Type": "application/json",
        }
        try:
            reply = await self.client.send("PUT", path, json.dumps(mapping), headers)
            reply.release()
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("could not record %s in m.direct: %s", room_id, exc)
            return
        if reply.status >= 400:
            log.warning("could not record %s in m.direct: HTTP %s", room_id, reply.status)

    async def _wait_for_room(self, room_id: str, members: Iterable[str] = ()) -> None:
        """Wait (bounded) until the sync has shown a room and `members` in it (joined or invited),
        so nio knows whom to encrypt for.

        The room alone is not enough: a sync that overlaps `createRoom` can show the new room
        before the invites, which the homeserver sends last. A message encrypted then would
        share its room key with nobody, and the member could never read it.
        """
        expected = set(members)

        def shown() -> bool:
            room = self.client.rooms.get(room_id)
            return room is not None and expected <= set(room.users)

        try:
            async with asyncio.timeout(ROOM_WAIT):
                while not shown():
                    await self._synced.wait()
        except TimeoutError:
            raise Transient(
                f"the sync has not shown {room_id} with {sorted(expected)} yet"
            ) from None


# -- helpers ---------------------------------------------------------------------------------


def _fresh_start_filter() -> dict[str, Any]:
    """The filter of a first start's sync: a one-event timeline (it is skipped anyway) and a
    nonce that makes the request unique.

    Synapse answers identical sync requests from a cache for two minutes
    (`sync_response_cache_duration`). A first start repeated within that time would otherwise
    get the earlier start's response, and with it an old sync token, and then read everything
    since as new: exactly the history a first start must skip.
    """
    nonce = f"org.porch.first_start.{secrets.token_hex(8)}"
    return {"room": {"timeline": {"limit": 1}}, "account_data": {"not_types": [nonce]}}


def _txn(ctx: DeliveryContext, suffix: str = "") -> str:
    """A transaction id stable across retries of one Outbox item, distinct between databases.

    The id alone repeats when a database is reset while the bot keeps its device; the hashed
    idempotency key keeps such ids from colliding in the homeserver's transaction cache.
    """
    digest = hashlib.sha256(ctx.key.encode()).hexdigest()[:12]
    return f"porch.{ctx.outbox_id}.{digest}" + (f".{suffix}" if suffix else "")


def _message_id(ref: MessageRef) -> str:
    if not ref.message_id:
        raise PlatformError("unresolved_reference", f"no Matrix event id for {ref}")
    return ref.message_id


def _after_own_join(events: list[Any], own: str) -> list[Any]:
    """The events after Porch's own join: what a room showed before it is history, not news."""
    start = 0
    for index, event in enumerate(events):
        raw = getattr(event, "source", {})
        if (
            raw.get("type") == "m.room.member"
            and raw.get("state_key") == own
            and raw.get("content", {}).get("membership") == "join"
            and previous_membership(raw) != "join"
        ):
            start = index + 1
    return events[start:]


def _invitation(invite_state: Iterable[Any], own: str) -> tuple[str | None, bool]:
    """Who invited Porch, and whether they marked the room as a direct chat.

    nio moves the `content` of stripped invite-state events out of `source` into an attribute,
    so both places are read.
    """
    for event in invite_state:
        raw = getattr(event, "source", {})
        content = getattr(event, "content", None) or raw.get("content", {})
        if (
            raw.get("type") == "m.room.member"
            and raw.get("state_key") == own
            and content.get("membership") == "invite"
        ):
            sender = raw.get("sender")
            return (sender if isinstance(sender, str) else None), bool(content.get("is_direct"))
    return None, False
