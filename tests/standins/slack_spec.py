"""Slack Web API contract, read from Slack's published OpenAPI 2.0 spec.

The stand-in must reject what real Slack rejects, and the only neutral source
for "what Slack accepts" is Slack's own spec (slackapi/slack-api-specs).  That
spec is a 2020-2021 artifact, so this module also carries a small, explicit
*supplement* of facts from Slack's current method documentation (newer methods
such as ``apps.connections.open``, newer arguments such as ``metadata``, and
required arguments the generated spec forgot to flag).  Keeping the supplement
in one visible place means every deviation from the spec is reviewable.

Where the spec lives: ``$SLACK_API_SPECS_DIR`` if set, otherwise the first of
``DEFAULT_SPEC_DIRS`` that exists.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

JSONDict = dict[str, Any]

SPEC_DIR_ENV = "SLACK_API_SPECS_DIR"
DEFAULT_SPEC_DIRS: tuple[Path, ...] = (
    # `../shared` beside the checkout is where every developer and CI has it.
    Path(__file__).resolve().parents[3] / "shared" / "slack-api-specs",
)
WEB_API_SPEC = Path("web-api") / "slack_web_openapi_v2.json"
EVENTS_WRAPPER_SCHEMA = Path("events-api") / "slack_common_event_wrapper_schema.json"
EVENTS_ASYNCAPI = Path("events-api") / "slack_events_api_async_v1.json"

# --------------------------------------------------------------------------
# Supplement: facts from Slack's current docs that the 2020-2021 spec lacks.
# --------------------------------------------------------------------------

#: Methods released after the spec was generated.  name -> known arguments.
EXTRA_METHODS: Mapping[str, frozenset[str]] = {
    # Socket Mode (2021); called with an app-level xapp- token.
    "apps.connections.open": frozenset(),
    # files_upload_v2 flow used by current slack_sdk versions.
    "files.getUploadURLExternal": frozenset({"filename", "length", "alt_txt", "snippet_type"}),
    "files.completeUploadExternal": frozenset(
        {"files", "channel_id", "channels", "initial_comment", "thread_ts", "blocks"}
    ),
    "auth.teams.list": frozenset({"cursor", "limit", "include_icon"}),
}

#: Arguments added to existing methods after the spec was generated.
EXTRA_ARGS: Mapping[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"metadata", "markdown_text"}),
    "chat.update": frozenset({"metadata", "file_ids", "reply_broadcast", "markdown_text"}),
    "chat.postEphemeral": frozenset({"markdown_text"}),
    "conversations.history": frozenset({"include_all_metadata"}),
    "conversations.replies": frozenset({"include_all_metadata"}),
    "conversations.invite": frozenset({"force"}),
    "conversations.list": frozenset({"team_id"}),
    "users.list": frozenset({"team_id"}),
    "views.open": frozenset({"interactivity_pointer"}),
    "views.push": frozenset({"interactivity_pointer"}),
}

#: Arguments Slack's method docs mark required but the generated spec does not.
EXTRA_REQUIRED: Mapping[str, frozenset[str]] = {
    "chat.delete": frozenset({"channel", "ts"}),
    "conversations.history": frozenset({"channel"}),
    "conversations.replies": frozenset({"channel", "ts"}),
    "conversations.members": frozenset({"channel"}),
    "conversations.info": frozenset({"channel"}),
    "conversations.invite": frozenset({"channel", "users"}),
    "conversations.kick": frozenset({"channel", "user"}),
    "conversations.join": frozenset({"channel"}),
    "users.info": frozenset({"user"}),
    "views.update": frozenset({"view"}),
}

#: Spec-required arguments that newer alternatives made optional.
RELAXED_REQUIRED: Mapping[str, frozenset[str]] = {
    "views.open": frozenset({"trigger_id"}),
    "views.push": frozenset({"trigger_id"}),
}

#: At least one argument of each group must be present.
ONE_OF: Mapping[str, tuple[frozenset[str], ...]] = {
    "views.open": (frozenset({"trigger_id", "interactivity_pointer"}),),
    "views.push": (frozenset({"trigger_id", "interactivity_pointer"}),),
    "views.update": (frozenset({"view_id", "external_id"}),),
}

#: Token kinds a method accepts.  Everything else accepts bot and user tokens
#: only; app-level tokens are accepted by very few methods.
TOKEN_KINDS: Mapping[str, frozenset[str]] = {
    "apps.connections.open": frozenset({"app"}),
    "apps.event.authorizations.list": frozenset({"app"}),
    "auth.test": frozenset({"bot", "user", "app"}),
}
DEFAULT_TOKEN_KINDS = frozenset({"bot", "user"})

#: Methods Slack serves without a token (diagnostics and OAuth code exchange).
NO_TOKEN_METHODS = frozenset({"api.test", "oauth.access", "oauth.v2.access", "oauth.token"})


@dataclass(frozen=True)
class MethodSpec:
    """What the contract says about one Web API method."""

    name: str
    params: frozenset[str]
    required: frozenset[str]
    one_of: tuple[frozenset[str], ...] = ()
    param_types: Mapping[str, str] = field(default_factory=dict)
    consumes: frozenset[str] = frozenset()
    scopes: tuple[str, ...] = ()
    errors: frozenset[str] = frozenset()
    success_example: JSONDict | None = None
    success_schema: JSONDict | None = None
    token_kinds: frozenset[str] = DEFAULT_TOKEN_KINDS
    in_published_spec: bool = True

    @property
    def accepts_json(self) -> bool:
        """Whether Slack takes a JSON body for this method (spec ``consumes``)."""
        return not self.consumes or "application/json" in self.consumes

    @property
    def needs_token(self) -> bool:
        """Methods such as ``api.test`` or the OAuth exchanges work unauthenticated."""
        return self.name not in NO_TOKEN_METHODS


@dataclass(frozen=True)
class ArgumentCheck:
    """Result of checking one call's arguments against a MethodSpec."""

    missing: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    type_mismatches: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no required argument is missing (unknowns are only warnings)."""
        return not self.missing


class SlackSpec:
    """Index of Web API methods built from the OpenAPI spec plus the supplement."""

    def __init__(
        self, methods: Mapping[str, MethodSpec], spec_dir: Path, definitions: JSONDict | None = None
    ) -> None:
        self._methods = dict(methods)
        self.spec_dir = spec_dir
        self.definitions = definitions or {}

    def response_schema(self, name: str) -> JSONDict | None:
        """The spec's success schema for ``name``, with ``definitions`` for $refs."""
        spec = self._methods.get(name)
        if spec is None or spec.success_schema is None:
            return None
        return {**spec.success_schema, "definitions": self.definitions}

    def __contains__(self, name: object) -> bool:
        return name in self._methods

    def method(self, name: str) -> MethodSpec | None:
        """The contract for ``name``, or None when Slack has no such method."""
        return self._methods.get(name)

    @property
    def method_names(self) -> frozenset[str]:
        """Every method name the stand-in will accept."""
        return frozenset(self._methods)

    def check_arguments(self, name: str, args: Mapping[str, Any]) -> ArgumentCheck:
        """Compare call arguments with the contract of method ``name``."""
        spec = self._methods[name]
        present = {k for k, v in args.items() if v not in (None, "")}
        missing = sorted(spec.required - present)
        missing += [_group_label(g) for g in spec.one_of if not g & present]
        unknown = sorted(set(args) - spec.params - {"token"})
        mismatches = sorted(
            k for k, v in args.items() if not _value_matches(spec.param_types.get(k), v)
        )
        return ArgumentCheck(tuple(missing), tuple(unknown), tuple(mismatches))


def _group_label(group: frozenset[str]) -> str:
    return " or ".join(sorted(group))


def _value_matches(declared: str | None, value: Any) -> bool:
    """Loose type check: form bodies carry strings, so accept their spellings."""
    if declared is None or value is None:
        return True
    text = str(value).strip().lower()
    if declared == "boolean":
        return isinstance(value, bool) or text in {"true", "false", "1", "0"}
    if declared == "integer":
        return not isinstance(value, bool) and text.lstrip("-").isdigit()
    if declared == "number":
        try:
            float(text)
        except ValueError:
            return False
        return not isinstance(value, bool)
    return True


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


def find_spec_dir() -> Path:
    """Locate slack-api-specs; fail loudly, because without it nothing is checked."""
    candidates = [Path(p) for p in [os.environ.get(SPEC_DIR_ENV)] if p] + list(DEFAULT_SPEC_DIRS)
    for candidate in candidates:
        if (candidate / WEB_API_SPEC).is_file():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"Slack API specs not found (searched {searched}); set {SPEC_DIR_ENV} to a "
        "checkout of https://github.com/slackapi/slack-api-specs"
    )


@lru_cache(maxsize=4)
def load_spec(spec_dir: Path | None = None) -> SlackSpec:
    """Parse the OpenAPI document once per process (it is 1.2 MB)."""
    root = spec_dir or find_spec_dir()
    document = json.loads((root / WEB_API_SPEC).read_text(encoding="utf-8"))
    methods = {name: _apply_supplement(m) for name, m in _methods_from_openapi(document)}
    for name, params in EXTRA_METHODS.items():
        methods.setdefault(name, _apply_supplement(_bare_method(name, params)))
    return SlackSpec(methods, root, document.get("definitions", {}))


@lru_cache(maxsize=4)
def load_json(relative: Path, spec_dir: Path | None = None) -> JSONDict:
    """Load another document from the spec checkout (e.g. Events API schemas)."""
    root = spec_dir or find_spec_dir()
    data: JSONDict = json.loads((root / relative).read_text(encoding="utf-8"))
    return data


def _methods_from_openapi(document: JSONDict) -> Iterable[tuple[str, MethodSpec]]:
    for path, operations in document["paths"].items():
        name = path.lstrip("/")
        for operation in operations.values():
            yield name, _method_from_operation(name, operation)


def _method_from_operation(name: str, operation: JSONDict) -> MethodSpec:
    parameters = [p for p in operation.get("parameters", []) if p["name"] != "token"]
    responses = operation.get("responses", {})
    success = responses.get("200", {})
    example = success.get("examples", {}).get("application/json")
    error_schema = responses.get("default", {}).get("schema", {})
    errors = error_schema.get("properties", {}).get("error", {}).get("enum", [])
    scopes = [s for entry in operation.get("security", []) for s in entry.get("slackAuth", [])]
    return MethodSpec(
        name=name,
        params=frozenset(p["name"] for p in parameters),
        required=frozenset(p["name"] for p in parameters if p.get("required")),
        param_types={p["name"]: p.get("type", "string") for p in parameters},
        consumes=frozenset(operation.get("consumes", [])),
        scopes=tuple(scopes),
        errors=frozenset(errors),
        success_example=example,
        success_schema=success.get("schema"),
    )


def _bare_method(name: str, params: frozenset[str]) -> MethodSpec:
    return MethodSpec(name=name, params=params, required=frozenset(), in_published_spec=False)


def _apply_supplement(spec: MethodSpec) -> MethodSpec:
    name = spec.name
    required = (spec.required | EXTRA_REQUIRED.get(name, frozenset())) - RELAXED_REQUIRED.get(
        name, frozenset()
    )
    params = spec.params | EXTRA_ARGS.get(name, frozenset()) | required
    for group in ONE_OF.get(name, ()):
        params |= group
    return MethodSpec(
        name=name,
        params=params,
        required=required,
        one_of=ONE_OF.get(name, ()),
        param_types=spec.param_types,
        consumes=spec.consumes,
        scopes=spec.scopes,
        errors=spec.errors,
        success_example=spec.success_example,
        success_schema=spec.success_schema,
        token_kinds=TOKEN_KINDS.get(name, DEFAULT_TOKEN_KINDS),
        in_published_spec=spec.in_published_spec,
    )
