"""Moderation rules: how many messages per second one core evaluates, and the p99 latency.

The rule set is the issue's: 1,000 keywords (with phrases and an allow list), 20 regex patterns,
links (200 denied domains, a new member's first link), mentions, flood, repeat, caps, and
stricter new-member rules. The corpus is generated from a fixed seed: mostly ordinary chat
(some with digits, accents, emoji, a mention or two), and a few percent of each kind of breach,
many disguised (leetspeak, look-alike letters, fullwidth, zero-width characters, spaced or
stretched letters). Each message comes from one of 2,000 members whose histories are kept and
recorded after each evaluation, as the handler would.

Measured, after a warm-up, with the process pinned to one CPU:
- throughput: each message's history is computed first (histories are immutable values, so the
  history as it stood before every message can be kept); then the CPU time (`process_time`) of
  a loop that only calls `evaluate` on every message, best of five; messages/s is the count
  divided by that. CPU time rather than wall-clock time, so other processes on a shared
  machine do not count against the rules. The handler's loop with `history.record` after each
  evaluation is timed the same way and reported next to it;
- latency: the CPU time of each `evaluate` call (`thread_time_ns` around it, less the cost of
  reading that clock), and its wall-clock time (`perf_counter_ns`), p50 and p99. On a busy
  machine the wall-clock tail is mostly time spent waiting for the CPU, not evaluating.
- the load average and a CPU-speed calibration (`_common.machine`) before and after, to compare
  figures taken at different times or on different machines.

Run: .venv/bin/python bench/bench_rules.py [--messages N] [--seed S] [--profile]
Target (issue 5, "Tests and figures"): at least 20,000 messages/s on one core.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import random
import statistics
import string
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from _common import Verdict, code_state, machine, percentile, pin_one_core, profile_top

from bot.core.ids import MemberId
from bot.features.moderation.history import MemberHistory
from bot.features.moderation.rules import (
    CapsRule,
    FloodRule,
    KeywordsRule,
    LinksRule,
    MentionsRule,
    MessageFacts,
    NewMemberRule,
    RegexRule,
    RepeatRule,
    Rule,
    RuleSet,
    evaluate,
    history_policy,
)

TARGET_MESSAGES_PER_S = 20_000.0
MEMBERS = 2_000
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

PATTERNS = [
    r"\b(?:\d[ -]?){13,16}\b",
    r"discord(?:app)?\.(?:gg|com/invite)/\w+",
    r"\b(?:buy|cheap)\s+(?:followers|likes)\b",
    r"\+?\d{1,3}[ .-]?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}",
    r"\b[13][a-km-zA-HJ-NP-Z1-9]{25,34}\b",
    r"\b0x[a-fA-F0-9]{40}\b",
    r"[\w.+-]+@[\w-]+\.[\w.]+",
    r"free\s+(?:nitro|gift|crypto)",
    r"\bdm\s+me\b",
    r"t\.me/\w+",
    r"\bonlyfans\b",
    r"whats?app\s*\+?\d",
    r"\b\d{3}-\d{2}-\d{4}\b",
    r"(?:click|tap)\s+(?:here|this)\s+link",
    r"\bgiveaway\b",
    r"\bearn\s+\$?\d+",
    r"\binvest(?:ment)?\s+opportunit",
    r"\bpassword\s*[:=]",
    r"api[_-]?key\s*[:=]\s*\w{16,}",
    r"\bxox[bpas]-[\w-]+",
]

WORDS = [
    "the",
    "and",
    "to",
    "of",
    "a",
    "in",
    "is",
    "it",
    "you",
    "that",
    "he",
    "was",
    "for",
    "on",
    "are",
    "with",
    "as",
    "i",
    "his",
    "they",
    "be",
    "at",
    "one",
    "have",
    "this",
    "from",
    "or",
    "had",
    "by",
    "hot",
    "word",
    "but",
    "what",
    "some",
    "we",
    "can",
    "out",
    "other",
    "were",
    "all",
    "there",
    "when",
    "up",
    "use",
    "your",
    "how",
    "said",
    "an",
    "each",
    "she",
    "which",
    "do",
    "their",
    "time",
    "if",
    "will",
    "way",
    "about",
    "many",
    "then",
    "them",
    "write",
    "would",
    "like",
    "so",
    "these",
    "her",
    "long",
    "make",
    "thing",
    "see",
    "him",
    "two",
    "has",
    "look",
    "more",
    "day",
    "could",
    "go",
    "come",
    "did",
    "number",
    "sound",
    "no",
    "most",
    "people",
    "my",
    "over",
    "know",
    "water",
    "than",
    "call",
    "first",
    "who",
    "may",
    "down",
    "side",
    "been",
    "now",
    "find",
    "any",
    "new",
    "work",
    "part",
    "take",
    "get",
    "place",
    "made",
    "live",
    "where",
    "after",
    "back",
    "little",
    "only",
    "round",
    "man",
    "year",
    "came",
    "show",
    "every",
    "good",
    "me",
    "give",
    "our",
    "under",
    "name",
    "very",
    "through",
    "just",
    "form",
    "sentence",
    "great",
    "think",
    "say",
    "help",
    "low",
    "line",
    "differ",
    "turn",
    "cause",
    "much",
    "mean",
    "before",
    "move",
    "right",
    "boy",
    "old",
    "too",
    "same",
    "tell",
    "does",
    "set",
    "three",
    "want",
    "air",
    "well",
    "also",
    "play",
    "small",
    "end",
    "put",
    "home",
    "read",
    "hand",
    "port",
    "large",
    "spell",
    "add",
    "even",
    "land",
    "here",
    "must",
    "big",
    "high",
    "such",
    "follow",
    "act",
    "why",
    "ask",
    "men",
    "change",
    "went",
    "light",
    "kind",
    "off",
    "need",
    "house",
    "picture",
    "try",
    "us",
    "again",
    "animal",
    "point",
    "mother",
    "world",
    "near",
    "build",
    "self",
    "earth",
    "father",
    "head",
    "stand",
    "own",
    "page",
    "should",
    "country",
    "found",
    "answer",
    "school",
    "grow",
    "study",
    "still",
    "learn",
    "plant",
    "cover",
    "deploy",
    "release",
    "meeting",
    "tomorrow",
    "thanks",
    "question",
    "review",
    "please",
    "pipeline",
    "merge",
    "branch",
    "ticket",
    "sprint",
    "standup",
    "coffee",
    "lunch",
    "weekend",
    "docs",
    "onboarding",
    "welcome",
    "hello",
    "team",
    "project",
    "roadmap",
    "customer",
]
ACCENTED = ["café", "naïve", "Zürich", "Grüße", "façade", "São", "日本", "😀", "🎉", "👍", "Ελλάδα"]
SAFE_DOMAINS = ["github.com", "docs.python.org", "example.org", "wikipedia.org", "company.io"]
GLYPHS = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445"}


def keyword_list(rng: random.Random) -> list[str]:
    """950 made-up words and 50 two-word phrases: the size, not the content, is what matters."""
    words: set[str] = set()
    while len(words) < 950:
        candidate = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 10)))
        if candidate not in WORDS:
            words.add(candidate)
    phrases = {f"{rng.choice(sorted(words))} {rng.choice(WORDS)}" for _ in range(50)}
    return sorted(words) + sorted(phrases)


def rules(keywords: list[str], rng: random.Random) -> RuleSet:
    """The rules as a validated playbook holds them (`RuleList` validation makes a `RuleSet`)."""
    denied = [f"{''.join(rng.choices(string.ascii_lowercase, k=8))}.com" for _ in range(200)]
    return RuleSet(
        [
            KeywordsRule(
                id="words", rule=1, words=tuple(keywords), allow=("scunthorpe", "classic")
            ),
            RegexRule(id="patterns", rule=2, patterns=tuple(PATTERNS), respond=("queue",)),
            LinksRule(id="links", rule=3, denied_domains=tuple(denied), new_member_first_link=True),
            MentionsRule(id="mentions", rule=4, max=5),
            FloodRule(id="flood", rule=4, max_messages=6, window_seconds=10),
            RepeatRule(id="repeat", rule=4, times=3, window_seconds=300),
            CapsRule(id="caps", rule=5, ratio=0.7, min_length=12),
            NewMemberRule(
                id="newcomers",
                days=7,
                rules=(
                    FloodRule(id="flood", rule=4, max_messages=3, window_seconds=10),
                    MentionsRule(id="mentions", rule=4, max=2, mode="dry_run"),
                ),
            ),
        ]
    )


def disguise(word: str, rng: random.Random) -> str:
    trick = rng.randrange(7)
    if trick == 0:
        return word.translate(str.maketrans("aeiost", "4310$7"))
    if trick == 1:
        return "".join(GLYPHS.get(c, c) for c in word)
    if trick == 2:
        return "".join(chr(ord(c) + 0xFEE0) for c in word)
    if trick == 3:
        return "\u200b".join(word)
    if trick == 4:
        return ".".join(word)
    if trick == 5:
        return word[0] + word[1] * 4 + word[2:]
    return word.upper()


class Corpus:
    """Messages as (member, text, mentions), mostly clean, some of each breach."""

    def __init__(self, rng: random.Random, keywords: list[str], denied: list[str]) -> None:
        self.rng = rng
        self.keywords = keywords
        self.denied = denied

    def prose(self, low: int = 3, high: int = 30) -> str:
        rng = self.rng
        words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
        if rng.random() < 0.25:
            words.insert(rng.randrange(len(words)), f"{rng.randint(1, 12)}pm")
        if rng.random() < 0.12:
            words.insert(rng.randrange(len(words)), rng.choice(ACCENTED))
        words[0] = words[0].capitalize()
        return " ".join(words) + rng.choice([".", "!", "?", "", " :)"])

    def message(self) -> tuple[str, tuple[str, ...]]:
        rng = self.rng
        roll = rng.random()
        mentions = tuple(f"U{rng.randrange(MEMBERS)}" for _ in range(rng.choice([0, 0, 0, 1, 2])))
        if roll < 0.80:
            return self.prose(), mentions
        if roll < 0.83:
            bad = disguise(rng.choice(self.keywords).split()[0], rng)
            return f"{self.prose(2, 10)} {bad} {self.prose(1, 8)}", mentions
        if roll < 0.86:
            spam = rng.choice(
                [
                    "join discord.gg/abcdef now",
                    "call me at +1 (555) 123-4567",
                    "card 4111 1111 1111 1111 thanks",
                    "free nitro for everyone",
                    "reach me: someone@example.com",
                ]
            )
            return f"{self.prose(1, 6)} {spam}", mentions
        if roll < 0.90:
            domain = rng.choice(self.denied if rng.random() < 0.3 else SAFE_DOMAINS)
            link = rng.choice([f"https://{domain}/a/b?c=1", f"<https://{domain}|here>", domain])
            return f"{self.prose(2, 12)} {link}", mentions
        if roll < 0.92:
            return self.prose(4, 12).upper(), mentions
        if roll < 0.94:
            return self.prose(2, 8), tuple(f"U{n}" for n in rng.sample(range(MEMBERS), 8))
        return self.prose(6, 60), mentions

    def stream(self, count: int) -> Iterator[tuple[datetime, str, str, tuple[str, ...]]]:
        """Timed messages: about 20 per second overall, with bursts of flood and repeated spam."""
        rng = self.rng
        at = START
        while count > 0:
            member = f"U{rng.randrange(MEMBERS)}"
            text, mentions = self.message()
            burst = 8 if rng.random() < 0.01 else 1
            for _ in range(min(burst, count)):
                at += timedelta(milliseconds=rng.randint(10, 90))
                yield at, member, text, mentions
                count -= 1


Timed = list[tuple[datetime, MessageFacts]]
Stream = list[tuple[datetime, MessageFacts, MemberHistory]]


def build(count: int, seed: int) -> tuple[RuleSet, Timed, float]:
    rng = random.Random(seed)
    keywords = keyword_list(rng)
    started = time.perf_counter()
    rule_set = rules(keywords, rng)
    built = time.perf_counter() - started
    links_rule = rule_set[2]
    assert isinstance(links_rule, LinksRule)
    corpus = Corpus(rng, keywords, list(links_rule.denied_domains))
    joined = {
        f"U{n}": START - timedelta(days=rng.choice([2, 30, 400]) if n % 10 == 0 else 400)
        for n in range(MEMBERS)
    }
    messages = [
        (
            at,
            MessageFacts(
                member=MemberId(member),
                text=text,
                mentions=tuple(MemberId(m) for m in mentions),
                member_since=joined[member],
                has_posted_link_before=rng.random() < 0.5,
            ),
        )
        for at, member, text, mentions in corpus.stream(count)
    ]
    return rule_set, messages, built


def fresh_histories() -> dict[str, MemberHistory]:
    return {f"U{n}": MemberHistory(MemberId(f"U{n}")) for n in range(MEMBERS)}


def with_histories(rule_set: Sequence[Rule], messages: Timed) -> Stream:
    """Each message with its member's history as it stood just before it (histories are
    immutable values, so every one can be kept)."""
    policy = history_policy(rule_set)
    histories = fresh_histories()
    stream: Stream = []
    for at, facts in messages:
        past = histories[facts.member]
        stream.append((at, facts, past))
        histories[facts.member] = past.record(at, facts.text, policy)
    return stream


def evaluate_seconds(rule_set: Sequence[Rule], stream: Stream) -> float:
    """CPU time of evaluating every message, and nothing else."""
    started = time.process_time()
    for at, facts, past in stream:
        evaluate(rule_set, facts, past, at)
    return time.process_time() - started


def handler_seconds(rule_set: Sequence[Rule], messages: Timed) -> float:
    """CPU time of the handler's loop: evaluate each message, then record it in the history."""
    policy = history_policy(rule_set)
    histories = fresh_histories()
    started = time.process_time()
    for at, facts in messages:
        past = histories[facts.member]
        evaluate(rule_set, facts, past, at)
        histories[facts.member] = past.record(at, facts.text, policy)
    return time.process_time() - started


def latencies(
    rule_set: Sequence[Rule], stream: Stream, clock: Callable[[], int]
) -> tuple[list[float], collections.Counter[str]]:
    """Time of each evaluation in µs by `clock`, less the clock's own cost, and the breaches
    found by kind and reason."""
    overhead = statistics.median(-clock() + clock() for _ in range(1_000))
    times: list[float] = []
    kinds: collections.Counter[str] = collections.Counter()
    for at, facts, past in stream:
        started = clock()
        breaches = evaluate(rule_set, facts, past, at)
        times.append(max(0, clock() - started - overhead) / 1_000)
        kinds.update(f"{b.kind}/{b.reason}" for b in breaches)
        kinds["(messages with a breach)"] += bool(breaches)
    return times, kinds


def summary(label: str, times: list[float]) -> str:
    return (
        f"{label}: p50 {percentile(times, 50):.1f} µs, p99 {percentile(times, 99):.1f} µs, "
        f"max {max(times):,.0f} µs"
    )


def run(count: int, seed: int, profile: bool) -> None:
    rule_set, messages, built = build(count, seed)
    stream = with_histories(rule_set, messages)
    print(pin_one_core())
    print(code_state())
    print(f"before: {machine()}")
    print(f"rules built in {built * 1000:.0f} ms; {len(messages):,} messages generated")
    evaluate_seconds(rule_set, stream[:2_000])
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(evaluate_seconds, rule_set, stream)
        print(profile_top(profiler, 40, "tottime"))
    seconds = min(evaluate_seconds(rule_set, stream) for _ in range(5))
    rate = len(stream) / seconds
    handler = min(handler_seconds(rule_set, messages) for _ in range(5))
    wall, kinds = latencies(rule_set, stream, time.perf_counter_ns)
    cpu, _ = latencies(rule_set, stream, time.thread_time_ns)
    print(f"{len(stream):,} messages, {kinds.pop('(messages with a breach)'):,} with a breach")
    print("breaches: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(
        f"evaluate: {rate:,.0f} messages/s of CPU time, {seconds / len(stream) * 1e6:.1f} µs "
        "per message (best of 5)"
    )
    print(f"evaluate + history.record: {len(messages) / handler:,.0f} messages/s of CPU time")
    print(summary("latency per message, CPU time", cpu))
    print(summary("latency per message, wall clock (includes waiting for the CPU)", wall))
    print(f"after: {machine()}")
    verdict = Verdict("bench_rules")
    verdict.check(
        "throughput on one core",
        rate >= TARGET_MESSAGES_PER_S,
        f"{rate:,.0f} messages/s (target {TARGET_MESSAGES_PER_S:,.0f})",
    )
    verdict.exit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    run(args.messages, args.seed, args.profile)


if __name__ == "__main__":
    main()
