"""House-rule checks: settings models and their pure evaluation.

A playbook lists rules (`Rule`, a union discriminated by `kind`); `evaluate` applies them to one
message and the member's recent history and returns the breaches found. Evaluation reads no
clock (`now` is a parameter), does no I/O and is deterministic; responses (`remind`, `queue`,
`remove`) are data the handler acts on, and a rule in `dry_run` mode says so in its breach.

Rule settings are frozen and validated in full when built, so `porch check` reports a bad regex,
domain or keyword with its location before anything connects. Expensive preparation (the
keyword matcher, compiled patterns) happens then too, once per rule, never per message.

Regex patterns cannot be given a time limit in pure Python (the stdlib `re` has none, and the
third-party `regex` module is not a dependency). Their running time is bounded instead by:

1. refusing, when the settings are built, patterns whose structure backtracks catastrophically:
   a repeat whose body can match empty text, a nested repeat or an alternation inside a repeat
   that can split the same text in more than one way (`(a+)+`, `(\\w+\\s?)+`, `(a|a)*`), and more
   than one unbounded repeat that can trade characters with what follows it (`.*a.*b`), which
   makes the time a cube or worse of the length; backreferences are refused too;
2. running each pattern on at most `max_chars` characters of a message (2,000 by default), so
   the quadratic worst case left over stays bounded: `a.*b` on 2,000 `a` takes about 35 ms on
   the (slow, shared) machine the bench ran on, an ordinary pattern on an ordinary message a
   few microseconds.

Cheap checks run first: each pattern is skipped when a message lacks a substring every match
must contain (`discord`, one of `followers`/`likes`) or has fewer digits than a match needs.
"""

from __future__ import annotations

import importlib
import itertools
import re
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.core.ids import MemberId
from bot.features.moderation.history import HistoryPolicy, MemberHistory
from bot.features.moderation.normalize import (
    FoldedText,
    LazyTable,
    WordMatcher,
    fingerprint,
    original_span,
    parse_entry,
)

Mode = Literal["enforce", "dry_run"]
Response = Literal["remind", "queue", "remove"]
Reason = Literal[
    "keyword",
    "pattern",
    "link_denied",
    "link_not_allowed",
    "first_link",
    "mentions",
    "flood",
    "repeat",
    "caps",
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=64)]

EXCERPT_LIMIT = 280


# --- what goes in and what comes out ------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFacts:
    """The facts about one message the rules need, and nothing else."""

    member: MemberId
    text: str
    mentions: tuple[MemberId, ...] = ()
    member_since: datetime | None = None
    """When the member joined; None when unknown, and then the member does not count as new."""
    has_posted_link_before: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """What one rule found in one message, before it is dressed as a `Breach`."""

    reason: Reason
    span: tuple[int, int]
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Breach:
    """A rule a message breaks: what the audit log records and the handler responds to.

    Carries an excerpt of at most 280 characters around the match, never the whole text.
    """

    rule_id: str
    kind: str
    mode: Mode
    house_rule: int | None
    reason: Reason
    detail: str
    """Machine-readable: the keyword entry, the pattern, the host, or a count."""
    span: tuple[int, int]
    """Where in the message text the breach is (the whole text for flood, caps, ...)."""
    excerpt: str
    respond: tuple[Response, ...]
    via: str | None = None
    """The `new_member` rule that put this rule in force, if one did."""

    @property
    def dry_run(self) -> bool:
        return self.mode == "dry_run"


def excerpt(text: str, span: tuple[int, int], limit: int = EXCERPT_LIMIT) -> str:
    """At most `limit` characters of `text` around `span`, with `…` where text was cut.

    The match is kept whole when it fits, with the rest of the room split around it; a longer
    match keeps its beginning.
    """
    if limit < 3:
        raise ValueError("an excerpt needs room for at least three characters")
    if len(text) <= limit:
        return text
    start = min(max(span[0], 0), len(text))
    end = min(max(span[1], start), len(text))
    room = limit - 2
    if end - start >= room:
        low, high = start, start + room
    else:
        low = max(0, start - (room - (end - start)) // 2)
        high = min(len(text), low + room)
        low = max(0, high - room)
    head = "…" if low > 0 else ""
    tail = "…" if high < len(text) else ""
    return head + text[low:high] + tail


# --- pure decisions ------------------------------------------------------------------------------


def is_new_member(member_since: datetime | None, now: datetime, period: timedelta) -> bool:
    """Joined less than `period` before `now`; an unknown join time is not new."""
    return member_since is not None and now - member_since < period


def messages_in_window(history: MemberHistory, now: datetime, window: timedelta) -> int:
    """Messages in the window ending now, this one included.

    A message exactly `window` old is outside the window.
    """
    return history.count_since(now - window) + 1


def repeats_in_window(history: MemberHistory, digest: str, now: datetime, window: timedelta) -> int:
    """Messages with this fingerprint in the window ending now, this one included."""
    return history.count_same_since(digest, now - window) + 1


_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LOWER = bytes(range(ord("a"), ord("z") + 1))
_CASE = LazyTable(lambda char: "U" if char.isupper() else "l" if char.islower() else "")
"""Each cased letter as `U` or `l`, everything else dropped."""
_NOT_PROSE = re.compile(r"<[^<>\s]*+>|(?<![\w.+\-])[a-z][a-z0-9+.\-]*+://\S++", re.IGNORECASE)
"""Platform tokens (`<@U0123ABC>`) and URLs: upper case there is not shouting."""


def shouting(text: str, ratio: float, min_length: int) -> float | None:
    """The share of upper case among the cased letters, if above `ratio` with at least
    `min_length` of them; platform mention tokens and URLs are left out.

    ASCII upper case is counted first (over bytes: fast): with every other character counted as
    upper case too, most messages still have too little to be shouting at any length, and then
    nothing else need be counted.
    """
    if "<" in text or "://" in text:
        text = _NOT_PROSE.sub(" ", text)
    raw = text.encode("ascii", "ignore")
    upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
    if upper + len(text) - len(raw) <= ratio * min_length:
        return None
    if len(raw) == len(text):
        cased = upper + len(raw) - len(raw.translate(None, _ASCII_LOWER))
    else:
        letters = text.translate(_CASE)
        upper = letters.count("U")
        cased = len(letters)
    return upper / cased if cased >= min_length and upper > ratio * cased else None


# --- links ---------------------------------------------------------------------------------------

# Link patterns run on whole messages of any length, so none may backtrack: each can start only
# where no longer match of it could have started (the look-behinds), repeats that cannot give
# anything back are possessive, and the few open-ended parts are bounded.
_SLACK_LINK = re.compile(
    r"<([a-z][a-z0-9+.\-]*+://[^|>\s]{1,2000})(?:\|[^>]{0,500})?>", re.IGNORECASE
)
_URL = re.compile(r"(?<![\w.+\-])[a-z][a-z0-9+.\-]*+://[^\s<>\"'`|]++", re.IGNORECASE)
_BARE_HOST = re.compile(
    r"(?<![\w@:/.\-])(?:[^\W_][\w\-]*+\.)++(?:[^\W\d_]{2,63}+|xn--[a-z0-9\-]{1,59}+)(?![\w\-])",
    re.IGNORECASE,
)
_MAY_HAVE_BARE_HOST = re.compile(r"\.[^\W\d_]")
_IDN_DOTS = re.compile("[\u3002\uff0e\uff61]")
"""Ideographic and fullwidth full stops, which IDNA reads as dots between labels."""
_TRAILING = ".,;:!?'\")]}>"
_DOMAIN_LABEL = re.compile(r"^[a-z0-9\-]{1,63}$")
COMMON_TLDS = frozenset(
    # A word list reads better as text than as a hundred quoted items.
    """
    com net org info biz edu gov mil int io co ai app dev me tv gg ly to so cc xyz site online
    store shop top club live link click today news blog tech space website fun icu vip win bid
    loan work life world email cam rest buzz pro cloud page art uk us eu de fr nl it es pl br in
    jp au ca ch se no fi dk at be cz ir kr tr ua vn za nz mx ar cl ru su cn hk tw sg my id ph th
    gr pt ro hu sk bg rs hr si lt lv ee ie il ae sa eg ng ke ma tk ml ga cf gq
    """.split()  # noqa: SIM905
)
"""TLDs that make a bare `word.tld` count as a link. Left out on purpose: endings that are
mostly file names in chat (`.py`, `.md`, `.sh`, `.rs`, `.zip`, `.mov`). A configured domain
counts whatever its TLD."""


@dataclass(frozen=True, slots=True)
class Link:
    host: str
    """Lower case, IDNA (punycode) form, no trailing dot: `xn--bcher-kva.de`."""
    span: tuple[int, int]
    bare: bool
    """Written without a scheme or `www.` (`example.com/path`): may be a file name."""


def normalize_host(host: str) -> str | None:
    """The comparable form of a host name, or None when it is not a valid one."""
    host = _IDN_DOTS.sub(".", host).strip().rstrip(".")
    if not host:
        return None
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def normalize_domain(domain: str) -> str:
    """A configured domain in comparable form; `ValueError` says what is wrong with it.

    `*.example.com` and `.example.com` mean the same as `example.com`: subdomains always match.
    """
    if "://" in domain or "/" in domain:
        raise ValueError(f"{domain!r}: write the domain only, as in 'example.com'")
    host = normalize_host(domain.strip().removeprefix("*.").lstrip("."))
    labels = host.split(".") if host else []
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        raise ValueError(f"{domain!r} is not a domain name such as 'example.com'")
    return ".".join(labels)


def host_in(host: str, domains: frozenset[str]) -> bool:
    """The host is one of the domains or a subdomain of one."""
    while True:
        if host in domains:
            return True
        _, dot, host = host.partition(".")
        if not dot:
            return False


def find_links(text: str) -> tuple[Link, ...]:
    """Links in a message: Slack `<url|label>`, URLs with a scheme, and bare `example.com/path`.

    Email addresses and Matrix ids (`@dana:example.org`) are not links.
    """
    if "." not in text and "\u3002" not in text and "\uff0e" not in text and "\uff61" not in text:
        return ()
    work = text if text.isascii() else _IDN_DOTS.sub(".", text)
    links: list[Link] = []
    if "<" in work:
        work = _take_links(work, _SLACK_LINK, links, group=1)
    if "://" in work:
        work = _take_links(work, _URL, links, group=0)
    if _MAY_HAVE_BARE_HOST.search(work):
        for m in _BARE_HOST.finditer(work):
            host = normalize_host(m.group(0))
            if host is not None:
                links.append(Link(host, m.span(), bare=not host.startswith("www.")))
    return tuple(sorted(links, key=lambda link: link.span))


def _take_links(work: str, pattern: re.Pattern[str], links: list[Link], group: int) -> str:
    """Append the links `pattern` finds, and blank them out so no later pattern sees them again."""
    for m in pattern.finditer(work):
        url = _trim(m.group(group))
        host = _host_of(url)
        if host is not None:
            start = m.start()
            end = m.end() if group else start + len(url)
            links.append(Link(host, (start, end), bare=False))
        work = work[: m.start()] + " " * (m.end() - m.start()) + work[m.end() :]
    return work


def _trim(url: str) -> str:
    """Drop punctuation that ends the sentence rather than the URL; keep a balanced `)`."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _host_of(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return normalize_host(host) if host else None


# --- regex patterns: refuse what could run away, prefilter what can be skipped -----------------

_sre: Any = importlib.import_module("re._parser")
"""The stdlib's own regex parser (private, present since 3.11): the only faithful reading of a
pattern's structure, which the safety checks need."""

_LONG_REPEAT = 16
"""A repeat that may match this many times or more counts as unbounded for the polynomial
check: `\\d{1,3}` next to `\\d` costs little, `.{0,500}` next to `.*` a lot."""
_ANCHORS = {
    "AT_BEGINNING": "^",
    "AT_BEGINNING_STRING": "\\A",
    "AT_END": "$",
    "AT_END_STRING": "\\Z",
    "AT_BOUNDARY": "\\b",
    "AT_NON_BOUNDARY": "\\B",
}
_MAX_NEEDLES = 16
_MAX_NEEDLE_LENGTH = 24
_CATEGORY_CLASS = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}
_BASE_UNIVERSE = (
    "".join(
        chr(c)
        for c in itertools.chain(
            range(0x250), range(0x370, 0x500), range(0x2000, 0x2070), range(0xFF00, 0xFF70)
        )
    )
    + "\u0660\u0966\u3000\u3002\u30a2\u4e00\uac00\U0001d7ce\U0001f600"
)
"""Characters sampled to decide whether two character sets overlap; a pattern's own characters
are added to it."""


class UnsafePattern(ValueError):
    """A regex that compiles but could take unbounded time, or would match every message."""


@dataclass(frozen=True, slots=True)
class _Chars:
    members: frozenset[str]
    """The sampled characters this matches (see `_BASE_UNIVERSE`)."""
    exact: frozenset[str] | None
    """All characters it matches, when it is a literal or a small explicit set."""
    shown: str
    nullable = False

    @property
    def first(self) -> frozenset[str]:
        return self.members


@dataclass(frozen=True, slots=True)
class _Empty:
    """A zero-width assertion: `^`, `\\b`, a lookaround (its body checked on its own)."""

    body: _Seq | None = None
    nullable = True
    first: frozenset[str] = frozenset()
    shown: str = ""


@dataclass(frozen=True, slots=True)
class _Seq:
    items: tuple[_Node, ...]
    nullable: bool
    first: frozenset[str]
    shown: str


@dataclass(frozen=True, slots=True)
class _Alt:
    branches: tuple[_Seq, ...]
    nullable: bool
    first: frozenset[str]
    shown: str


@dataclass(frozen=True, slots=True)
class _Repeat:
    low: int
    high: int | None
    body: _Seq
    possessive: bool
    shown: str

    @property
    def nullable(self) -> bool:
        return self.low == 0 or self.body.nullable

    @property
    def first(self) -> frozenset[str]:
        return self.body.first

    @property
    def loops(self) -> bool:
        return self.high is None or self.high > 1

    @property
    def can_trade(self) -> bool:
        """It may stop early or go on, and a later failure makes the engine try the other."""
        return self.low != self.high and not self.possessive


@dataclass(frozen=True, slots=True)
class _Atomic:
    body: _Seq
    shown: str

    @property
    def nullable(self) -> bool:
        return self.body.nullable

    @property
    def first(self) -> frozenset[str]:
        return self.body.first


_Node = _Chars | _Empty | _Seq | _Alt | _Repeat | _Atomic


def _make_seq(items: Sequence[_Node]) -> _Seq:
    first: frozenset[str] = frozenset()
    for item in items:
        first |= item.first
        if not item.nullable:
            return _Seq(tuple(items), False, first, "".join(i.shown for i in items))
    return _Seq(tuple(items), True, first, "".join(i.shown for i in items))


def _quantifier(low: int, high: int | None) -> str:
    named = {(0, None): "*", (1, None): "+", (0, 1): "?"}
    if (low, high) in named:
        return named[(low, high)]
    if low == high:
        return f"{{{low}}}"
    return f"{{{low},{'' if high is None else high}}}"


class _Reader:
    """Turns the stdlib parser's tree into the small node types the checks walk."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._flags = flags
        self._universe = _BASE_UNIVERSE + pattern + pattern.swapcase()

    def read(self, pattern: str) -> _Seq:
        try:
            tree = _sre.parse(pattern, self._flags)
        except re.error as exc:
            raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
        extra = "".join(chr(code) for code in _codes(tree))
        self._universe += extra + extra.swapcase()
        return self._seq(tree, int(tree.state.flags))

    def _seq(self, items: Any, flags: int) -> _Seq:
        return _make_seq([self._node(str(op), av, flags) for op, av in items])

    def _node(self, op: str, av: Any, flags: int) -> _Node:
        if op in {"LITERAL", "NOT_LITERAL", "ANY", "IN"}:
            return self._chars(op, av, flags)
        if op == "AT":
            return _Empty(shown=_ANCHORS.get(str(av), ""))
        if op in {"ASSERT", "ASSERT_NOT"}:
            return _Empty(self._seq(av[1], flags))
        if op == "BRANCH":
            branches = tuple(self._seq(b, flags) for b in av[1])
            shown = "(?:" + "|".join(b.shown for b in branches) + ")"
            first = frozenset().union(*(b.first for b in branches))
            return _Alt(branches, any(b.nullable for b in branches), first, shown)
        if op == "SUBPATTERN":
            _, add, remove, body = av
            return self._seq(body, (flags | int(add)) & ~int(remove))
        if op == "ATOMIC_GROUP":
            inner = self._seq(av, flags)
            return _Atomic(inner, f"(?>{inner.shown})")
        if op in {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}:
            return self._repeat(op, av, flags)
        if op in {"GROUPREF", "GROUPREF_EXISTS"}:
            raise UnsafePattern(
                "backreferences (\\1, (?P=name), (?(1)...)) are not supported: "
                "they make matching time unbounded"
            )
        raise UnsafePattern(f"unsupported regex construct {op}")

    def _repeat(self, op: str, av: Any, flags: int) -> _Repeat:
        low, high, body = int(av[0]), av[1], self._seq(av[2], flags)
        top = None if high is _sre.MAXREPEAT else int(high)
        shown = (
            body.shown
            if len(body.items) == 1 and isinstance(body.items[0], _Chars)
            else f"({body.shown})"
        )
        suffix = "+" if op == "POSSESSIVE_REPEAT" else "?" if op == "MIN_REPEAT" else ""
        return _Repeat(
            low, top, body, op == "POSSESSIVE_REPEAT", shown + _quantifier(low, top) + suffix
        )

    def _chars(self, op: str, av: Any, flags: int) -> _Chars:
        source, exact = _class_source(op, av)
        class_flags = flags & (re.IGNORECASE | re.ASCII | re.DOTALL)
        members = frozenset(re.compile(source, class_flags).findall(self._universe))
        shown = chr(av) if op == "LITERAL" else source
        return _Chars(members, exact, shown)


def _codes(node: Any) -> Iterator[int]:
    """Every character code a parse tree names (literals, range ends), for the sample set."""
    if hasattr(node, "data"):
        for op, av in node.data:
            yield from _item_codes(str(op), av)
    elif isinstance(node, list | tuple):
        for part in node:
            yield from _codes(part)


def _item_codes(name: str, av: Any) -> Iterator[int]:
    if name in {"LITERAL", "NOT_LITERAL"}:
        yield int(av)
    elif name == "RANGE":
        yield from (int(av[0]), int(av[1]))
    elif name == "IN":
        for op, item in av:
            yield from _item_codes(str(op), item)
    else:
        yield from _codes(av)


def _class_source(op: str, av: Any) -> tuple[str, frozenset[str] | None]:
    """A one-character regex equivalent to a parsed character node, and its exact set if small."""
    if op == "LITERAL":
        return re.escape(chr(av)), frozenset(chr(av))
    if op == "NOT_LITERAL":
        return f"[^{re.escape(chr(av))}]", None
    if op == "ANY":
        return ".", None
    parts: list[str] = []
    exact: set[str] | None = set()
    for item_op, item in av:
        name = str(item_op)
        if name == "NEGATE":
            parts.insert(0, "^")
            exact = None
        elif name == "LITERAL":
            parts.append(re.escape(chr(item)))
            exact = None if exact is None else exact | {chr(item)}
        elif name == "RANGE":
            parts.append(f"{re.escape(chr(item[0]))}-{re.escape(chr(item[1]))}")
            span = range(int(item[0]), int(item[1]) + 1)
            exact = None if exact is None or len(span) > 8 else exact | {chr(c) for c in span}
        else:
            parts.append(_CATEGORY_CLASS.get(str(item), r"\w"))
            exact = None
    small = exact is not None and 0 < len(exact) <= 8
    source = (
        parts[0] if len(parts) == 1 and parts[0].startswith("\\") else "[" + "".join(parts) + "]"
    )
    return source, frozenset(exact) if small and exact is not None else None


def _walk(
    node: _Node, follow: frozenset[str], visit: Callable[[_Node, frozenset[str]], None]
) -> None:
    """Visit every node with the set of characters that can come right after it.

    Inside a loop, what follows the body includes the body's own start (the next repetition).
    Atomic groups and lookarounds are matched on their own: nothing outside follows inside them.
    """
    visit(node, follow)
    if isinstance(node, _Seq):
        after = follow
        for item in reversed(node.items):
            _walk(item, after, visit)
            after = item.first | after if item.nullable else item.first
    elif isinstance(node, _Alt):
        for branch in node.branches:
            _walk(branch, follow, visit)
    elif isinstance(node, _Repeat):
        _walk(node.body, follow | node.body.first if node.loops else follow, visit)
    elif isinstance(node, _Atomic | _Empty) and node.body is not None:
        _walk(node.body, frozenset(), visit)


def _loop_problem(loop: _Repeat) -> str | None:
    """Why `loop` can split the same text in exponentially many ways, if it can."""
    if loop.body.nullable:
        return (
            f"{loop.shown} repeats something that can match empty text; make the repeated part "
            "match at least one character"
        )
    problems: list[str] = []

    def visit(node: _Node, follow: frozenset[str]) -> None:
        if isinstance(node, _Repeat) and node.can_trade and node.first & follow:
            problems.append(
                f"nested quantifier: {loop.shown} repeats {node.shown}, and what {node.shown} "
                "matches can also start the next repetition; make each repetition start with "
                f"something {node.shown} cannot match, or make it possessive ('{node.shown}+')"
            )
        elif isinstance(node, _Alt) and _alternatives_overlap(node, follow):
            problems.append(
                f"overlapping alternation {node.shown} under {loop.shown}: two alternatives can "
                "match the same text; make the alternatives start differently"
            )

    _walk(loop.body, loop.body.first, visit)
    return problems[0] if problems else None


def _alternatives_overlap(alt: _Alt, follow: frozenset[str]) -> bool:
    """Two alternatives can start with the same character (an empty one starts with what follows)."""
    reach = [b.first | follow if b.nullable else b.first for b in alt.branches]
    return any(a & b for a, b in itertools.combinations(reach, 2))


def check_pattern(pattern: str) -> str:
    """Accept a pattern that compiles and cannot run away; `ValueError` says why not.

    Checked as if case-insensitive, which only makes character sets larger, so a pattern that
    passes here passes with any flags.
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
    root = _Reader(pattern, re.IGNORECASE).read(pattern)
    loops: list[_Repeat] = []
    traders: list[_Repeat] = []

    def visit(node: _Node, follow: frozenset[str]) -> None:
        if isinstance(node, _Repeat) and node.loops and not node.possessive:
            loops.append(node)
        long = isinstance(node, _Repeat) and (node.high is None or node.high >= _LONG_REPEAT)
        if long and isinstance(node, _Repeat) and node.can_trade and node.first & follow:
            traders.append(node)

    _walk(root, frozenset(), visit)
    for loop in loops:
        problem = _loop_problem(loop)
        if problem:
            raise UnsafePattern(f"pattern {pattern!r} can backtrack catastrophically: {problem}")
    if len(traders) > 1:
        shown = " and ".join(t.shown for t in traders)
        raise UnsafePattern(
            f"pattern {pattern!r} can take time growing with a power of the message length: "
            f"{shown} can each give up text that what follows them takes; bound one of them "
            "(such as '{0,50}') or make them match different characters"
        )
    if root.nullable:
        raise UnsafePattern(
            f"pattern {pattern!r} matches empty text, so it would flag every message"
        )
    return pattern


@dataclass(frozen=True, slots=True)
class Prefilter:
    """What every match of a pattern needs, checked before the pattern runs.

    `needles`: one of these must occur in the case-folded text (empty: nothing known).
    `min_digits`: a match contains at least this many decimal digits.
    """

    needles: tuple[str, ...]
    min_digits: int


def prefilter(pattern: str) -> Prefilter:
    """The cheap pre-check for a pattern that `check_pattern` accepted."""
    root = _Reader(pattern, 0).read(pattern)
    needles = _required(root)
    folded = {casefold_for_search(n) for n in needles} if needles else set()
    return Prefilter(_fewer_needles(folded), _min_digits(root))


def _fewer_needles(needles: set[str]) -> tuple[str, ...]:
    """One needle for several when they share a long enough part (`discord` for `discord.gg/`
    and `discord.com/invite/`): absent, none of them can be there, and it is one test, not many.
    """
    if len(needles) > 1:
        shortest = min(needles, key=len)
        for size in range(len(shortest), 2, -1):
            for start in range(len(shortest) - size + 1):
                part = shortest[start : start + size]
                if all(part in needle for needle in needles):
                    return (part,)
    return tuple(sorted(needles))


def casefold_for_search(text: str) -> str:
    """Case folding under which `re.IGNORECASE` never finds more than `in` does.

    `re` also equates `ı` (dotless i) with `i`, which case folding keeps apart.
    """
    folded = text.casefold()
    return folded if folded.isascii() else folded.replace("\u0131", "i")


def _exact(node: _Node) -> frozenset[str] | None:
    """Every string `node` can match, if that is a small finite set."""
    if isinstance(node, _Chars):
        return node.exact
    if isinstance(node, _Empty):
        return frozenset({""})
    if isinstance(node, _Atomic):
        return _exact(node.body)
    if isinstance(node, _Seq):
        return _product([_exact(item) for item in node.items])
    if isinstance(node, _Alt):
        return _union([_exact(branch) for branch in node.branches])
    if node.high == 1:
        body = _exact(node.body)
        return None if body is None else body | ({""} if node.low == 0 else set())
    if node.low == node.high and node.low <= 4:
        return _product([_exact(node.body)] * node.low)
    return None


def _product(parts: Sequence[frozenset[str] | None]) -> frozenset[str] | None:
    result = frozenset({""})
    for part in parts:
        if part is None:
            return None
        result = frozenset(a + b for a in result for b in part)
        if len(result) > _MAX_NEEDLES or any(len(s) > _MAX_NEEDLE_LENGTH for s in result):
            return None
    return result


def _union(parts: Sequence[frozenset[str] | None]) -> frozenset[str] | None:
    result: frozenset[str] = frozenset()
    for part in parts:
        if part is None:
            return None
        result |= part
    return result if len(result) <= _MAX_NEEDLES else None


def _required(node: _Node) -> frozenset[str] | None:
    """Strings of which every match of `node` contains at least one, if any are known."""
    exact = _exact(node)
    if exact is not None:
        return None if "" in exact else exact
    if isinstance(node, _Seq):
        return _best(_sequence_candidates(node))
    if isinstance(node, _Alt):
        return _union([_required(branch) for branch in node.branches])
    if isinstance(node, _Repeat | _Atomic) and not node.nullable:
        return _required(node.body)
    return None


def _sequence_candidates(seq: _Seq) -> Iterator[frozenset[str]]:
    """Needle sets from a sequence: each stretch of exact items joined, and each other item's own."""
    run = frozenset({""})
    for item in seq.items:
        exact = _exact(item)
        joined = _product([run, exact]) if exact is not None else None
        if joined is not None:
            run = joined
            continue
        if "" not in run:
            yield run
        run = exact if exact is not None else frozenset({""})
        if exact is None:
            required = _required(item)
            if required:
                yield required
    if "" not in run:
        yield run


def _best(candidates: Iterator[frozenset[str]]) -> frozenset[str] | None:
    """The most selective needle set: longest shortest needle, then fewest needles."""
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)), default=None)


def _min_digits(node: _Node) -> int:
    if isinstance(node, _Chars):
        return 1 if node.members and all(c.isdecimal() for c in node.members) else 0
    if isinstance(node, _Seq):
        return sum(_min_digits(item) for item in node.items)
    if isinstance(node, _Alt):
        return min(_min_digits(branch) for branch in node.branches)
    if isinstance(node, _Repeat):
        return node.low * _min_digits(node.body)
    if isinstance(node, _Atomic):
        return _min_digits(node.body)
    return 0


def digits_at_most(text: str) -> int:
    """At least as many as the decimal digits in `text` (`\\d` matches any script's): ASCII
    digits are counted, other characters all taken for digits. A prefilter may overestimate,
    never underestimate, and this way it needs no pass in Python over the text."""
    raw = text.encode("ascii", "ignore")
    return len(text) - len(raw.translate(None, b"0123456789"))


@dataclass(frozen=True, slots=True)
class _CompiledPattern:
    source: str
    regex: re.Pattern[str]
    min_digits: int


class _PatternSet:
    """A rule's patterns, indexed by their needles so a message visits only those it may match."""

    def __init__(self, patterns: Sequence[str], flags: int) -> None:
        self._patterns: list[_CompiledPattern] = []
        self._always: list[int] = []
        by_needle: dict[str, list[int]] = {}
        for index, source in enumerate(patterns):
            check = prefilter(source)
            self._patterns.append(
                _CompiledPattern(source, re.compile(source, flags), check.min_digits)
            )
            if not check.needles:
                self._always.append(index)
            for needle in check.needles:
                by_needle.setdefault(needle, []).append(index)
        self._by_needle = by_needle
        self._needles = tuple(by_needle)

    def search(self, text: str, casefolded: str, digits: int) -> tuple[str, tuple[int, int]] | None:
        """The first pattern, in listed order, that matches `text`: its source and span."""
        found = [needle for needle in self._needles if needle in casefolded]
        candidates = self._always
        if found:
            candidates = sorted({*candidates, *(i for n in found for i in self._by_needle[n])})
        for index in candidates:
            pattern = self._patterns[index]
            if digits >= pattern.min_digits:
                match = pattern.regex.search(text)
                if match is not None:
                    return pattern.source, match.span()
        return None


# --- one message, prepared once for all rules ----------------------------------------------------


class _Prepared:
    """One message as the rules read it; each derived form is made at most once, when needed
    (see `FoldedText`, which holds the folded ones)."""

    __slots__ = (
        "_casefolded",
        "_digits",
        "_fingerprint",
        "_folded_digits",
        "_links",
        "facts",
        "forms",
        "text",
    )

    def __init__(self, facts: MessageFacts) -> None:
        self.facts = facts
        self.text = facts.text
        self.forms = FoldedText(facts.text)
        self._fingerprint: str | None = None
        self._links: tuple[Link, ...] | None = None
        self._casefolded: str | None = None
        self._digits: int | None = None
        self._folded_digits: int | None = None

    @property
    def whole(self) -> tuple[int, int]:
        return 0, len(self.text)

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = fingerprint(self.forms.repeat_key())
        return self._fingerprint

    def links(self) -> tuple[Link, ...]:
        if self._links is None:
            self._links = find_links(self.text)
        return self._links

    def casefolded(self) -> str:
        if self._casefolded is None:
            self._casefolded = casefold_for_search(self.text)
        return self._casefolded

    def digits(self) -> int:
        if self._digits is None:
            self._digits = digits_at_most(self.text)
        return self._digits

    def folded_digits(self) -> int:
        if self._folded_digits is None:
            self._folded_digits = digits_at_most(self.forms.folded())
        return self._folded_digits


# --- rule settings -------------------------------------------------------------------------------


def _prepare(settings: BaseModel, *derived: str) -> None:
    """Build derived state (a `cached_property`) now: while the settings are being checked,
    not when the first message arrives."""
    for name in derived:
        getattr(settings, name)


def _check_entry(entry: str) -> str:
    parse_entry(entry)
    return entry


KeywordEntry = Annotated[str, AfterValidator(_check_entry)]
SafePattern = Annotated[str, AfterValidator(check_pattern)]
Domain = Annotated[str, AfterValidator(normalize_domain)]


class _Settings(BaseModel):
    """Common settings. Derived state (a compiled matcher) is a `cached_property`, built when the
    settings are and kept in the instance: pydantic private attributes cost microseconds per
    read, which per message and rule is more than the checks themselves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    mode: Mode = "enforce"
    rule: int | None = Field(default=None, ge=1)
    """The number of the house rule this protects, quoted in reminders."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy whose derived state is rebuilt from its own (possibly updated) settings."""
        copied = super().model_copy(update=update, deep=deep)
        for klass in type(self).__mro__:
            for name, value in vars(klass).items():
                if isinstance(value, cached_property):
                    copied.__dict__.pop(name, None)
        return copied


class _LeafRule(_Settings):
    respond: tuple[Response, ...] = Field(default=("remind",), min_length=1)

    @field_validator("respond")
    @classmethod
    def _respond_once_each(cls, value: tuple[Response, ...]) -> tuple[Response, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each response may be listed once")
        return value

    @abstractmethod
    def check(self, message: _Prepared, history: MemberHistory, now: datetime) -> Finding | None:
        """What this rule finds in the message, if anything."""


class KeywordsRule(_LeafRule):
    """Words and phrases, found through case, look-alike, leetspeak and spacing tricks.

    Entries match whole words; `*` at either end of an entry lifts the boundary there. `allow`
    lists words that must not trigger even though they contain an entry (`Scunthorpe`).
    """

    kind: Literal["keywords"] = "keywords"
    words: tuple[KeywordEntry, ...] = Field(min_length=1, max_length=20_000)
    allow: tuple[KeywordEntry, ...] = ()

    def model_post_init(self, context: Any, /) -> None:
        _prepare(self, "matcher")

    @cached_property
    def matcher(self) -> WordMatcher:
        return WordMatcher(self.words, self.allow)

    def check(self, message: _Prepared, history: MemberHistory, now: datetime) -> Finding | None:
        found = self.matcher.find(message.forms)
        return None if found is None else Finding("keyword", found.span, found.entry)


class RegexRule(_LeafRule):
    """Regular expressions (Python syntax), vetted for catastrophic backtracking when built.

    `fold: true` runs the patterns on folded text (look-alikes, fullwidth, accents undone; see
    `normalize`), which is lower case, so it implies `ignore_case`. Only the first `max_chars`
    characters of a message are searched.
    """

    kind: Literal["regex"] = "regex"
    patterns: tuple[SafePattern, ...] = Field(min_length=1, max_length=500)
    ignore_case: bool = True
    fold: bool = False
    max_chars: int = Field(default=2_000, ge=1, le=20_000)

    def model_post_init(self, context: Any, /) -> None:
        _prepare(self, "compiled")

    @cached_property
    def compiled(self) -> _PatternSet:
        return _PatternSet(self.patterns, re.IGNORECASE if self.ignore_case or self.fold else 0)

    def check(self, message: _Prepared, history: MemberHistory, now: datetime) -> Finding | None:
        if self.fold:
            folded = message.forms.folded()
            text, casefolded, digits = folded, folded, message.folded_digits()
        else:
            text, casefolded, digits = message.text, message.casefolded(), message.digits()
        sample = text if len(text) <= self.max_chars else text[: self.max_chars]
        found = self.compiled.search(sample, casefolded, digits)
        if found is None:
            return None
        return Finding("pattern", self._span(message, found[1]), found[0])

    def _span(self, message: _Prepared, span: tuple[int, int]) -> tuple[int, int]:
        if not self.fold:
            return span
        return original_span(message.text, *span)


class LinksRule(_LeafRule):
    """Links to denied domains, to domains outside an allow list, or a new member's first link.

    Subdomains match their domain; internationalized names match in either spelling
    (`bücher.de` is `xn--bcher-kva.de`).
    """

    kind: Literal["links"] = "links"
    allowed_domains: tuple[Domain, ...] = ()
    """When set, a link to any other domain breaks the rule."""
    denied_domains: tuple[Domain, ...] = ()
    new_member_first_link: bool = False
    new_member_days: int = Field(default=7, ge=1, le=365)

    @model_validator(mode="after")
    def _does_something(self) -> LinksRule:
        if not (self.allowed_domains or self.denied_domains or self.new_member_first_link):
            raise ValueError(
                "set allowed_domains, denied_domains or new_member_first_link: "
                "otherwise this rule never applies"
            )
        return self

    @cached_property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.allowed_domains)

    @cached_property
    def denied(self) -> frozenset[str]:
        return frozenset(self.denied_domains)

    @cached_property
    def new_member_period(self) -> timedelta:
        return timedelta(days=self.new_member_days)

    def check(self, message: _Prepared, history: MemberHistory, now: datetime) -> Finding | None:
        """The worst link: a denied one, else one outside the allow list, else a first link."""
        links = [link for link in message.links() if self._counts(link)]
        if not links:
            return None
        for link in links:
            if host_in(link.host, self.denied):
                return Finding("link_denied", link.span, link.host)
        if self.allowed:
            for link in links:
                if not host_in(link.host, self.allowed):
                    return Finding("link_not_allowed", link.span, link.host)
        if self._is_first_link(message.facts, now):
            return Finding("first_link", links[0].span, links[0].host)
        return None

    def _counts(self, link: Link) -> bool:
        """A bare `name.tld` is a link if its TLD is common or its domain is configured."""
        if not link.bare or link.host.rpartition(".")[2] in COMMON_TLDS:
            return True
        return host_in(link.host, self.denied) or host_in(link.host, self.allowed)

    def _is_first_link(self, facts: MessageFacts, now: datetime) -> bool:
        return (
            self.new_member_first_link
            and not facts.has_posted_link_before
            and is_new_member(facts.member_since, now, self.new_member_period)
        )


class MentionsRule(_LeafRule):
    """More than `max` distinct members mentioned in one message."""

    kind: Literal["mentions"] = "mentions"
    max: int = Field(default=5, ge=0)

    def check(self, message: _Prepared, history: MemberHistory, now: datetime) -> Finding | None:
        count = len(set(message.facts.mentions))
        return Finding("mentions", message.whole, str(count)) if count > self.max else None


class FloodRule(_LeafRule):
    """More than `max_messages` from one member within `window_seconds`."""

    kind: Literal["flood"] = "flood"
    max_messages: int = Field(default=6, ge=1, le=1_000)
    window_seconds: int = Field(default=10, ge=1, le=86_400)

    @cached_property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)

    def check(self, message: _Prepared, history: MemberHistory, now: datetime) -> Finding | None:
        count = messages_in_window(history, now, self.window)
        return Finding("flood", message.whole, str(count)) if count > self.max_messages else None


class RepeatRule(_LeafRule):
    """The same text (see `normalize.repeat_key`) `times` times within `window_seconds`.

    Texts shorter than `min_length` (after folding) never count: "thanks" and "+1" are often
    said several times.
    """

    kind: Literal["repeat"] = "repeat"
    times: int = Field(default=3, ge=2, le=1_000)
    window_seconds: int = Field(default=300, ge=1, le=7 * 86_400)
    min_length: int = Field(default=10, ge=1)

    @cached_property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)

    def check(self, message: _Prepared, history: MemberHistory, now: datetime) -> Finding | None:
        if messages_in_window(history, now, self.window) < self.times:
            return None
        if len(message.forms.repeat_key()) < self.min_length:
            return None
        count = repeats_in_window(history, message.fingerprint(), now, self.window)
        return Finding("repeat", message.whole, str(count)) if count >= self.times else None


class CapsRule(_LeafRule):
    """Shouting: more than `ratio` of the cased letters upper case, with at least `min_length`."""

    kind: Literal["caps"] = "caps"
    ratio: float = Field(default=0.7, gt=0, le=1)
    min_length: int = Field(default=12, ge=1)

    def check(self, message: _Prepared, history: MemberHistory, now: datetime) -> Finding | None:
        share = shouting(message.text, self.ratio, self.min_length)
        return None if share is None else Finding("caps", message.whole, f"{share:.2f}")


LeafRule = Annotated[
    KeywordsRule | RegexRule | LinksRule | MentionsRule | FloodRule | RepeatRule | CapsRule,
    Field(discriminator="kind"),
]


class NewMemberRule(_Settings):
    """Stricter rules while a member is new (joined less than `days` days ago).

    Its rules apply in addition to the others; one with the same id as a top-level rule (and
    the same kind) replaces that rule while the member is new: a flood limit of 3 instead of 6.
    In `dry_run` mode, so are all its rules; its `rule` number is the default for theirs.
    """

    kind: Literal["new_member"] = "new_member"
    days: int = Field(default=7, ge=1, le=365)
    rules: tuple[LeafRule, ...] = Field(min_length=1)

    @cached_property
    def period(self) -> timedelta:
        return timedelta(days=self.days)

    @field_validator("rules")
    @classmethod
    def _ids_unique(cls, rules: tuple[_LeafRule, ...]) -> tuple[_LeafRule, ...]:
        duplicates = _duplicates(r.id for r in rules)
        if duplicates:
            raise ValueError(f"rule ids used more than once: {', '.join(duplicates)}")
        return rules


Rule = Annotated[
    KeywordsRule
    | RegexRule
    | LinksRule
    | MentionsRule
    | FloodRule
    | RepeatRule
    | CapsRule
    | NewMemberRule,
    Field(discriminator="kind"),
]
AnyLeafRule = (
    KeywordsRule | RegexRule | LinksRule | MentionsRule | FloodRule | RepeatRule | CapsRule
)


def _duplicates(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for rule_id in ids:
        if rule_id in seen and rule_id not in repeated:
            repeated.append(rule_id)
        seen.add(rule_id)
    return repeated


class RuleSet(tuple[Rule, ...]):
    """Rules as a playbook lists them, with what evaluation needs sorted out once.

    Validating a `RuleList` produces one. `evaluate` takes any sequence of rules and makes a
    `RuleSet` of anything else, which costs a little on every message.
    """

    wrappers: tuple[NewMemberRule, ...]
    """The `new_member` rules."""
    usual: tuple[tuple[AnyLeafRule, None], ...]
    """The other rules, each paired with the `new_member` rule that added it: none."""

    def __new__(cls, rules: Iterable[Rule] = ()) -> Self:
        self = super().__new__(cls, rules)
        self.wrappers = tuple(r for r in self if isinstance(r, NewMemberRule))
        self.usual = tuple((r, None) for r in self if not isinstance(r, NewMemberRule))
        return self


def check_rule_ids(rules: tuple[Rule, ...]) -> RuleSet:
    """Rule ids are unique; a `new_member` rule may reuse an id only to replace that rule.

    All problems are reported together, as `porch check` wants.
    """
    problems = [f"rule id {i!r} is used more than once" for i in _duplicates(r.id for r in rules)]
    top = {r.id: r for r in rules}
    claimed: dict[str, str] = {}
    for wrapper in rules:
        if not isinstance(wrapper, NewMemberRule):
            continue
        for inner in wrapper.rules:
            replaced = top.get(inner.id)
            if isinstance(replaced, NewMemberRule):
                problems.append(f"{wrapper.id}: {inner.id!r} is the id of a new_member rule")
            elif replaced is not None and replaced.kind != inner.kind:
                problems.append(
                    f"{wrapper.id}: {inner.id!r} replaces a {replaced.kind} rule "
                    f"with a {inner.kind} rule; use another id or the same kind"
                )
            if inner.id in claimed:
                problems.append(f"{inner.id!r} is set by both {claimed[inner.id]} and {wrapper.id}")
            claimed[inner.id] = wrapper.id
    if problems:
        raise ValueError("; ".join(problems))
    return RuleSet(rules)


RuleList = Annotated[tuple[Rule, ...], AfterValidator(check_rule_ids)]
"""What a playbook embeds: a list of rules with ids checked across it (a `RuleSet`)."""


# --- evaluation ----------------------------------------------------------------------------------

InForce = Sequence[tuple[AnyLeafRule, NewMemberRule | None]]


def active_rules(rules: Sequence[Rule], member_since: datetime | None, now: datetime) -> InForce:
    """The rules in force for this member now, each with the `new_member` rule that added it."""
    plan = rules if isinstance(rules, RuleSet) else RuleSet(rules)
    if member_since is None or not plan.wrappers:
        return plan.usual
    stricter = [w for w in plan.wrappers if is_new_member(member_since, now, w.period)]
    if not stricter:
        return plan.usual
    replaced = {inner.id for wrapper in stricter for inner in wrapper.rules}
    active: list[tuple[AnyLeafRule, NewMemberRule | None]] = []
    for rule in plan:
        if isinstance(rule, NewMemberRule):
            if any(rule is s for s in stricter):
                active.extend((inner, rule) for inner in rule.rules)
        elif rule.id not in replaced:
            active.append((rule, None))
    return active


def evaluate(
    rules: Sequence[Rule], message: MessageFacts, history: MemberHistory, now: datetime
) -> list[Breach]:
    """Every rule the message breaks, in the order the rules are listed.

    `history` holds the member's earlier messages, not this one: record it afterwards with
    `history.record(now, message.text, history_policy(rules))`. `now` must be timezone-aware.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if history.member != message.member:
        raise ValueError(f"history of {history.member!r} given for a message of {message.member!r}")
    prepared = _Prepared(message)
    breaches: list[Breach] = []
    for rule, via in active_rules(rules, message.member_since, now):
        finding = rule.check(prepared, history, now)
        if finding is not None:
            breaches.append(_breach(rule, via, finding, message.text))
    return breaches


def _breach(rule: AnyLeafRule, via: NewMemberRule | None, finding: Finding, text: str) -> Breach:
    dry_run = rule.mode == "dry_run" or (via is not None and via.mode == "dry_run")
    return Breach(
        rule_id=rule.id,
        kind=rule.kind,
        mode="dry_run" if dry_run else "enforce",
        house_rule=rule.rule if rule.rule is not None or via is None else via.rule,
        reason=finding.reason,
        detail=finding.detail,
        span=finding.span,
        excerpt=excerpt(text, finding.span),
        respond=rule.respond,
        via=None if via is None else via.id,
    )


def history_policy(rules: Sequence[Rule]) -> HistoryPolicy:
    """How much history these rules read: their longest window, and enough entries to cover it."""
    window = 0
    entries = 0
    for rule, _ in _all_leaves(rules):
        if isinstance(rule, FloodRule | RepeatRule):
            window = max(window, rule.window_seconds)
            limit = rule.max_messages if isinstance(rule, FloodRule) else rule.times
            entries = max(entries, limit, 64)
    return HistoryPolicy(timedelta(seconds=window), entries)


def _all_leaves(rules: Sequence[Rule]) -> Iterator[tuple[AnyLeafRule, NewMemberRule | None]]:
    for rule in rules:
        if isinstance(rule, NewMemberRule):
            yield from ((inner, rule) for inner in rule.rules)
        else:
            yield rule, None
