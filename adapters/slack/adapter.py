"""The Slack adapter: lifecycle, both ways in (HTTP Events API and Socket Mode), and execute().

Inbound goes through slack-bolt, which verifies request signatures (a wrong signature or a
timestamp older than five minutes gets 401), answers `url_verification`, and acknowledges Socket
Mode envelopes. Every listener acknowledges first and hands the normalized event to the sink in
a task of its own, so Slack has its answer within milliseconds however slow Porch's handling is;
the Inbox then makes a redelivered event harmless.

Construction does no I/O and `routes()` works before `start()` (the routes answer 503 until the
adapter runs), so `porch run` can mount them into the one ASGI app before anything connects.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Collection
from dataclasses import dataclass, replace
from typing import Any, Literal

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from adapters.slack.errors import from_exception
from adapters.slack.inbound import InboundContext, roles_from_user_change, to_event
from adapters.slack.interactive import ANSWER_ACTION, FORM_ACTION
from adapters.slack.manifest import EVENTS_PATH
from adapters.slack.outbound import Profile, SlackOutbound
from adapters.slack.roles import start_up_roles, workspace_admins
from adapters.slack.views import answer_modal, form_modal, question_of
from bot.core.actions import Action, Capability, Delivered, ListMembers, capability_of
from bot.core.adapter import DeliveryContext, EventSink, RateBudget, member_present
from bot.core.clock import Clock
from bot.core.errors import PorchError, Unsupported
from bot.core.events import CommandInvoked, Event, MemberJoined, MessagePosted
from bot.core.forms import FormDesk

log = logging.getLogger(__name__)

wire_log = logging.getLogger("adapters.slack.wire")
"""What slack_sdk and slack-bolt log about requests. Held at INFO whatever Porch's level: at DEBUG
they write every request and response body to the log (member ids next to message text, which
would tie an anonymous AMA question to its asker). Warnings and errors still come through."""
wire_log.setLevel(logging.INFO)

SLACK_CAPABILITIES = frozenset(
    {
        Capability.SEND,
        Capability.DM,
        Capability.GROUP_DM,
        Capability.EPHEMERAL,
        Capability.THREAD,
        Capability.REACT,
        Capability.EDIT,
        Capability.REDACT,
        Capability.INVITE,
        Capability.KICK,
        Capability.PIN,
        Capability.MODAL,
        Capability.HOME,
        Capability.LIST_MEMBERS,
    }
)

SLACK_RATE_BUDGET = RateBudget(
    per_second=4.0, burst=20, per_channel_per_second=1.0, per_channel_burst=3
)
"""chat.postMessage allows "several hundred messages per minute" per workspace and one per
second per channel with short bursts; 4/s overall leaves room for the tiered methods."""

_ANY = re.compile(".*")
_NAMED_EVENTS = (MemberJoined, MessagePosted, CommandInvoked)


@dataclass(frozen=True)
class SlackCredentials:
    """Secrets from the environment; never logged (see `__repr__`)."""

    bot_token: str
    signing_secret: str | None = None
    app_token: str | None = None
    admin_token: str | None = None

    def __repr__(self) -> str:
        return "SlackCredentials(***)"


class SlackAdapter:
    platform = "slack"
    capabilities = SLACK_CAPABILITIES
    rate_budget = SLACK_RATE_BUDGET

    def __init__(
        self,
        *,
        credentials: SlackCredentials,
        clock: Clock,
        mode: Literal["http", "socket"] = "http",
        api_url: str = "https://slack.com/api/",
        timeout: int = 10,
        locale: str = "en",
        role_channels: Collection[str] = (),
    ) -> None:
        """`locale` is for the texts of the modals the adapter opens itself. `role_channels` are
        the communities' main channels: the workspace's admins and owners are admins in each.

        Raises ValueError for a mode without its secret: an HTTP endpoint without a signing
        secret would accept forged requests, Socket Mode cannot connect without an app token.
        """
        if mode == "http" and not credentials.signing_secret:
            raise ValueError("HTTP mode needs the signing secret (PORCH_SLACK_SIGNING_SECRET)")
        if mode == "socket" and not credentials.app_token:
            raise ValueError("Socket Mode needs an app-level token (PORCH_SLACK_APP_TOKEN)")
        self._credentials = credentials
        self.capabilities = SLACK_CAPABILITIES | (
            {Capability.REDACT_ANY} if credentials.admin_token else set()
        )
        """Removing other members' messages needs an admin user token (chat.delete rules)."""
        self._clock = clock
        self._mode = mode
        self._api_url = api_url
        self._timeout = timeout
        self._locale = locale
        self.role_channels = tuple(dict.fromkeys(role_channels))
        self._roles: asyncio.Task[None] | None = None
        self._sink: EventSink | None = None
        self._session: aiohttp.ClientSession | None = None
        self._outbound: SlackOutbound | None = None
        self._http: AsyncSlackRequestHandler | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._inbound: InboundContext | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._forms: FormDesk | None = None
        self.bot_user_id = ""
        self.team_id = ""

    def use_forms(self, desk: FormDesk) -> None:
        """The core's forms, which this adapter opens as modals (see `bot.core.forms`)."""
        self._forms = desk

    # -- lifecycle -------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """Starlette routes for the HTTP Events API (none in Socket Mode)."""
        if self._mode != "http":
            return []
        return [Route(EVENTS_PATH, self._handle_http, methods=["POST"])]

    async def start(self, sink: EventSink) -> None:
        """Check the token (auth.test), then listen: HTTP routes go live, or Socket Mode connects.
        Then, in the background, the workspace's admins and owners become Porch admins."""
        self._session = aiohttp.ClientSession()
        try:
            client = self._client(self._credentials.bot_token)
            auth = await self._auth_test(client)
            self.bot_user_id, self.team_id = str(auth["user_id"]), str(auth["team_id"])
            admin = self._credentials.admin_token
            self._outbound = SlackOutbound(
                client=client,
                admin=self._client(admin) if admin else None,
                bot_user_id=self.bot_user_id,
            )
            now = self._clock.now()
            forms = {f.id: f for f in self._forms.forms()} if self._forms else {}
            self._inbound = InboundContext(
                self.bot_user_id,
                str(auth.get("bot_id") or ""),
                now,
                now,
                forms,
                workspace_url=str(auth.get("url") or ""),
                role_channels=self.role_channels,
            )
            app = self._bolt_app(auth)
            self._sink = sink
            if self._mode == "socket":
                await self._connect_socket(app)
            else:
                self._http = AsyncSlackRequestHandler(app)
            self._roles = self._read_roles(self._outbound, sink)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop listening, cancel handling in progress, close connections."""
        self._http = None
        self._sink = None
        self._roles = None
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
        tasks, self._tasks = self._tasks, set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
        self._outbound = None

    async def execute(self, action: Action, ctx: DeliveryContext) -> Delivered:
        needed = capability_of(action)
        if needed not in self.capabilities:
            raise Unsupported(self.platform, needed.value)
        if self._outbound is None:
            raise RuntimeError("the Slack adapter is not started")
        if isinstance(action, ListMembers):
            return await self._list_members(self._outbound, action, ctx)
        return await self._outbound.execute(action, ctx)

    async def _list_members(
        self, outbound: SlackOutbound, action: ListMembers, ctx: DeliveryContext
    ) -> Delivered:
        """One `MemberPresent` per person in the channel (not Porch, not bots), keyed by the
        Outbox row, so a retried listing finds each member once more but handles them once."""
        sink = self._sink
        if sink is None:
            raise RuntimeError("the Slack adapter is not started")
        await self.roles_read()
        for member in await outbound.channel_members(action.channel):
            profile = await outbound.profile(member)
            if profile is not None and not profile.is_person:
                continue
            name = profile.display_name if profile else ""
            await sink(member_present(action, ctx, member, self._clock.now(), name))
        return Delivered(channel=action.channel)

    # -- workspace roles -----------------------------------------------------------------------

    def _read_roles(self, outbound: SlackOutbound, sink: EventSink) -> asyncio.Task[None] | None:
        """Start reading the workspace's admins and owners (users.list, page by page) in the
        background: a big workspace takes several Tier 2 calls, and listening must not wait."""
        if not self.role_channels:
            return None
        work = self._report_roles(outbound, sink)
        task = asyncio.get_running_loop().create_task(work, name="slack-roles")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _report_roles(self, outbound: SlackOutbound, sink: EventSink) -> None:
        try:
            admins = await workspace_admins(outbound, self._clock, self.bot_user_id)
            for event in start_up_roles(admins, self.role_channels, self._clock.now()):
                await sink(event)
        except PorchError as exc:
            log.warning(
                "cannot read Slack's workspace admins and owners (roles unchanged): %s", exc
            )
        except Exception:
            log.exception("reporting Slack's workspace admins and owners failed")

    async def roles_read(self) -> None:
        """Wait until the roles read at start-up are with Porch (or the reading gave up), so who
        is staff is known: listing a channel's members for onboarding waits for it."""
        if self._roles is not None:
            await asyncio.wait({self._roles})

    # -- inbound -----------------------------------------------------------------------------

    async def _handle_http(self, request: Request) -> Response:
        handler = self._http
        if handler is None:
            return PlainTextResponse("Porch is not running", status_code=503)
        return await handler.handle(request)

    async def _listener(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Every bolt listener: acknowledge at once, then handle in the background."""
        await ack()
        if self._open_form_for_command(body):
            return
        self._accept(body)
        self._serve_views(body)

    def _open_form_for_command(self, body: dict[str, Any]) -> bool:
        """`/ama ask` with nothing after it opens the form for it instead of failing on usage."""
        if "command" not in body or self._forms is None:
            return False
        root = str(body["command"]).lstrip("/").lower()
        text = str(body.get("text") or "")
        form = next((f for f in self._forms.forms() if f.opened_by(root, text)), None)
        if form is None:
            return False
        channel = str(body.get("channel_id", ""))
        return self._open_form(form.id, body, channel)

    def _open_form(self, form_id: str, body: dict[str, Any], channel: str) -> bool:
        """Open a form's modal now: its trigger expires in three seconds (never via the Outbox)."""
        outbound, desk, trigger = self._outbound, self._forms, body.get("trigger_id")
        member = str(body.get("user_id") or (body.get("user") or {}).get("id") or "")
        if outbound is None or desk is None or not trigger or not channel:
            return False
        shown = desk.show(form_id, platform=self.platform, channel=channel, member=member)
        if shown is None:
            return False
        self._spawn(outbound.open_view(str(trigger), form_modal(shown, channel, self._locale)))
        return True

    def _serve_views(self, body: dict[str, Any]) -> None:
        """What the adapter answers itself, at once: the "Answer" modal and forms' modals."""
        outbound = self._outbound
        if outbound is None:
            return
        if body.get("type") == "block_actions":
            channel = str((body.get("container") or {}).get("channel_id", ""))
            for action in body.get("actions") or ():
                if action.get("action_id") == FORM_ACTION:
                    self._open_form(str(action.get("value", "")), body, channel)
                if action.get("action_id") == ANSWER_ACTION and body.get("trigger_id"):
                    question = question_of(body.get("message"))
                    view = answer_modal(str(action.get("value", "")), question, self._locale)
                    self._spawn(outbound.open_view(str(body["trigger_id"]), view))

    def _accept(self, body: dict[str, Any]) -> None:
        sink, context = self._sink, self._inbound
        if sink is None or context is None:
            return
        context = replace(context, received_at=self._clock.now())
        event = to_event(body, context)
        if event is not None:
            self._spawn(self._deliver_inbound(sink, event))
        changes = roles_from_user_change(body, context)
        if changes:
            self._spawn(self._after_roles_read(sink, changes))

    async def _after_roles_read(self, sink: EventSink, changes: list[Event]) -> None:
        """A member's roles from a `user_change`, one event per community channel, handed on after
        the start-up read: the read may have seen the member before the change, and its
        `RoleHoldersListed` would otherwise undo a promotion that came in meanwhile. Every change
        is passed on, a status edit included: another replica may have seen the promotion this
        one did not, and the Dispatcher writes nothing when the roles are the same."""
        await self.roles_read()
        for event in changes:
            await sink(event)

    async def _deliver_inbound(self, sink: EventSink, event: Event) -> None:
        """Fill in who the member is where the payload did not say, then hand the event on."""
        outbound = self._outbound
        if outbound is not None and isinstance(event, _NAMED_EVENTS) and not event.display_name:
            profile = await outbound.profile(event.member)
            if profile is not None:
                event = _with_profile(event, profile)
        await sink(event)

    def _spawn(self, work: Awaitable[object]) -> None:
        async def run() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("handling a Slack event failed")

        task = asyncio.get_running_loop().create_task(run(), name="slack-inbound")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _bolt_app(self, auth: dict[str, Any]) -> AsyncApp:
        """A bolt app that only listens: it never calls Slack (its client has no token; the
        authorization is the auth.test answer of `start()`, so no request costs an API call)."""
        result = AuthorizeResult(
            enterprise_id=auth.get("enterprise_id"),
            team_id=str(auth["team_id"]),
            bot_user_id=str(auth["user_id"]),
            bot_id=auth.get("bot_id"),
            bot_token=self._credentials.bot_token,
        )

        async def authorize() -> AuthorizeResult:
            return result

        secret = self._credentials.signing_secret
        app = AsyncApp(
            client=self._client(None),
            authorize=authorize,
            signing_secret=secret,
            request_verification_enabled=bool(secret),
            process_before_response=False,
            logger=wire_log,
        )
        app.event(_ANY)(self._listener)
        app.command(_ANY)(self._listener)
        app.action(_ANY)(self._listener)
        app.view(_ANY)(self._listener)
        app.shortcut(_ANY)(self._listener)
        return app

    async def _connect_socket(self, app: AsyncApp) -> None:
        token = self._credentials.app_token
        handler = AsyncSocketModeHandler(
            app, app_token=token, logger=wire_log, web_client=self._client(None)
        )
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
        except Exception as exc:
            mapped = from_exception("apps.connections.open", exc)
            await handler.close_async()  # type: ignore[no-untyped-call]
            raise mapped or exc from exc
        self._socket = handler

    # -- Web API -----------------------------------------------------------------------------

    def _client(self, token: str | None) -> AsyncWebClient:
        """A client whose failures surface at once: Porch's Deliverer owns retries."""
        return AsyncWebClient(
            token=token,
            base_url=self._api_url,
            timeout=self._timeout,
            session=self._session,
            retry_handlers=[],
            logger=wire_log,
        )

    async def _auth_test(self, client: AsyncWebClient) -> dict[str, Any]:
        try:
            response = await client.auth_test()
        except Exception as exc:
            mapped = from_exception("auth.test", exc)
            if mapped is None:
                raise
            raise mapped from exc
        return dict(response.data) if isinstance(response.data, dict) else {}


def _with_profile(event: MemberJoined | MessagePosted | CommandInvoked, profile: Profile) -> Event:
    """`event` with the member's name, and for joins their locale and time zone."""
    if isinstance(event, MemberJoined):
        return replace(
            event,
            display_name=profile.display_name,
            locale=event.locale or profile.locale,
            timezone=event.timezone or profile.timezone,
        )
    return replace(event, display_name=profile.display_name)
