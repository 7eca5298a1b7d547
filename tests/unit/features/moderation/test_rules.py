"""The house-rule checks: settings validation, each rule kind, new-member rules, dry run, history."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from bot.core.ids import MemberId
from bot.features.moderation.history import HistoryPolicy, MemberHistory
from bot.features.moderation.rules import (
    Breach,
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
    RuleList,
    check_pattern,
    evaluate,
    excerpt,
    find_links,
    history_policy,
    normalize_domain,
    prefilter,
)
from bot.testing.builders import T0

DANA = MemberId("dana")
RULES: TypeAdapter[tuple[Rule, ...]] = TypeAdapter(RuleList)
POLICY = HistoryPolicy(window=timedelta(hours=1), max_entries=100)


def facts(text: str = "hello there", **extra: Any) -> MessageFacts:
    return MessageFacts(member=DANA, text=text, **extra)


def history(*seconds_ago_and_text: tuple[float, str]) -> MemberHistory:
    result = MemberHistory(DANA)
    for seconds, text in sorted(seconds_ago_and_text, key=lambda item: -item[0]):
        result = result.record(T0 - timedelta(seconds=seconds), text, POLICY)
    return result


def check(
    rule: Rule, text: str = "hello there", past: MemberHistory | None = None, **extra: Any
) -> list[Breach]:
    return evaluate([rule], facts(text, **extra), past or MemberHistory(DANA), T0)


def reasons(breaches: list[Breach]) -> list[str]:
    return [b.reason for b in breaches]


def flagged(rule: Rule, text: str, **extra: Any) -> str | None:
    """The flagged part of the text, or None."""
    breaches = check(rule, text, **extra)
    return text[breaches[0].span[0] : breaches[0].span[1]] if breaches else None


# --- excerpts -----------------------------------------------------------------------------------


def test_a_short_text_is_its_own_excerpt() -> None:
    assert excerpt("short text", (0, 5)) == "short text"


def test_an_excerpt_of_a_long_text_keeps_the_match_and_at_most_280_characters() -> None:
    text = "a" * 1_000 + "MATCH" + "b" * 1_000
    cut = excerpt(text, (1_000, 1_005))
    assert len(cut) <= 280
    assert "MATCH" in cut
    assert cut.startswith("…") and cut.endswith("…")


def test_an_excerpt_of_a_match_near_the_start_uses_the_room_after_it() -> None:
    text = "MATCH" + "b" * 1_000
    cut = excerpt(text, (0, 5))
    assert cut.startswith("MATCH")
    assert len(cut) == 279 and cut.endswith("…")


def test_a_match_longer_than_the_limit_keeps_its_beginning() -> None:
    text = "x" * 10 + "y" * 500
    cut = excerpt(text, (10, 510), limit=50)
    assert cut == "…" + "y" * 48 + "…"


# --- settings ------------------------------------------------------------------------------------


def test_a_playbook_lists_rules_of_every_kind_by_their_kind_field() -> None:
    rules = RULES.validate_python(
        [
            {"kind": "keywords", "id": "words", "words": ["bad"]},
            {"kind": "regex", "id": "invites", "patterns": [r"discord\.gg/\w+"]},
            {"kind": "links", "id": "links", "denied_domains": ["evil.example"]},
            {"kind": "mentions", "id": "mentions", "max": 3},
            {"kind": "flood", "id": "flood"},
            {"kind": "repeat", "id": "repeat"},
            {"kind": "caps", "id": "caps"},
            {"kind": "new_member", "id": "newcomers", "rules": [{"kind": "flood", "id": "flood"}]},
        ]
    )
    assert [r.kind for r in rules] == [
        "keywords",
        "regex",
        "links",
        "mentions",
        "flood",
        "repeat",
        "caps",
        "new_member",
    ]


def test_an_unknown_kind_is_refused_naming_the_kinds_there_are() -> None:
    with pytest.raises(ValidationError, match="keywords"):
        RULES.validate_python([{"kind": "keyword", "id": "words", "words": ["bad"]}])


def test_a_misspelt_setting_is_refused_not_ignored() -> None:
    with pytest.raises(ValidationError, match="window_secs"):
        RULES.validate_python([{"kind": "flood", "id": "flood", "window_secs": 5}])


def test_settings_cannot_be_changed_once_built() -> None:
    rule = FloodRule(id="flood")
    with pytest.raises(ValidationError):
        rule.max_messages = 100  # type: ignore[misc]


@pytest.mark.parametrize("rule_id", ["Flood", "flood rule", "-flood", ""])
def test_a_rule_id_must_be_a_slug(rule_id: str) -> None:
    with pytest.raises(ValidationError, match="id"):
        FloodRule(id=rule_id)


def test_a_response_may_be_listed_once() -> None:
    with pytest.raises(ValidationError, match="once"):
        FloodRule(id="flood", respond=("remind", "remind"))


def test_an_unknown_response_is_refused() -> None:
    with pytest.raises(ValidationError, match="respond"):
        RULES.validate_python([{"kind": "flood", "id": "flood", "respond": ["ban"]}])


def test_rule_ids_must_be_unique() -> None:
    with pytest.raises(ValidationError, match="'flood' is used more than once"):
        RULES.validate_python([{"kind": "flood", "id": "flood"}, {"kind": "caps", "id": "flood"}])


def test_a_bad_keyword_is_reported_with_its_position() -> None:
    with pytest.raises(ValidationError) as error:
        RULES.validate_python([{"kind": "keywords", "id": "w", "words": ["fine", "a*b"]}])
    assert error.value.errors()[0]["loc"][-2:] == ("words", 1)


def test_the_settings_have_a_json_schema_for_playbook_editors() -> None:
    schema = RULES.json_schema()
    assert "discriminator" in str(schema)


# --- keywords ------------------------------------------------------------------------------------


def test_a_keyword_breach_names_the_rule_the_entry_and_where_it_is() -> None:
    rule = KeywordsRule(id="words", rule=2, words=("bad",), respond=("remind", "queue"))
    [breach] = check(rule, "this is B4D, really")
    assert breach == Breach(
        rule_id="words",
        kind="keywords",
        mode="enforce",
        house_rule=2,
        reason="keyword",
        detail="bad",
        span=(8, 11),
        excerpt="this is B4D, really",
        respond=("remind", "queue"),
    )


def test_a_keyword_rule_ignores_words_that_only_contain_a_keyword() -> None:
    assert check(KeywordsRule(id="w", words=("ass",)), "a classic class assignment") == []


def test_a_keyword_rule_sees_through_look_alike_and_fullwidth_letters() -> None:
    rule = KeywordsRule(id="w", words=("spam",))
    assert (
        flagged(rule, "no \N{CYRILLIC SMALL LETTER DZE}pam?") == "\N{CYRILLIC SMALL LETTER DZE}pam"
    )
    assert flagged(rule, "no \uff53\uff50\uff41\uff4d!") == "\uff53\uff50\uff41\uff4d"


def test_a_keyword_rule_honours_its_allow_list() -> None:
    rule = KeywordsRule(id="w", words=("*cunt*",), allow=("scunthorpe",))
    assert check(rule, "Greetings from Scunthorpe") == []


def test_a_copied_keyword_rule_matches_its_own_words() -> None:
    rule = KeywordsRule(id="w", words=("bad",))
    copy = rule.model_copy(update={"words": ("worse",)})
    assert check(copy, "bad") == []
    assert reasons(check(copy, "worse")) == ["keyword"]


# --- regex ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        r"(a+)+b",
        r"(a|a)*b",
        r"(.*)*x",
        r"(\w+\s?)+$",
        r"(x+x+)+y",
        r"(?:ab|\w\w)+c",
        r"(a?a)+b",
        r"(\w+|\d+)*!",
    ],
)
def test_a_pattern_that_backtracks_exponentially_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="catastrophically"):
        check_pattern(pattern)


@pytest.mark.parametrize("pattern", [r".*a.*b", r"\w+\w+x", r"\s*.*\s*.*!"])
def test_a_pattern_with_polynomial_backtracking_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="power of the message length"):
        check_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"discord(?:app)?\.(?:gg|com/invite)/\w+",
        r"\b(?:\d[ -]?){13,16}\b",
        r"\+?\d{1,3}[ .-]?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}",
        r"[\w.+-]+@[\w-]+\.[\w.]+",
        r"(?:\d{1,3}\.){3}\d{1,3}",
        r"free.*money",
        r"(?:ab+)+",
        r"(a|ab)*c",
        r"(a++)+b",
        r"(?i)\bxox[bpas]-[\w-]+",
    ],
)
def test_an_ordinary_pattern_is_accepted(pattern: str) -> None:
    assert check_pattern(pattern) == pattern


def test_a_pattern_that_does_not_compile_is_reported_with_the_pattern() -> None:
    with pytest.raises(ValueError, match=r"pattern '\[abc' does not compile"):
        check_pattern("[abc")


def test_a_repeat_of_something_that_can_be_empty_is_refused_as_such() -> None:
    with pytest.raises(ValueError, match="can match empty text"):
        check_pattern(r"(a?)+b")


def test_a_pattern_matching_empty_text_is_refused() -> None:
    with pytest.raises(ValueError, match="empty text"):
        check_pattern(r"\b|x?")


def test_a_backreference_is_refused() -> None:
    with pytest.raises(ValueError, match="backreferences"):
        check_pattern(r"(a)\1")


def test_every_bad_pattern_of_a_rule_is_reported_at_its_position() -> None:
    with pytest.raises(ValidationError) as error:
        RegexRule(id="r", patterns=("ok", "(a+)+b", "fine", "["))
    assert [e["loc"] for e in error.value.errors()] == [("patterns", 1), ("patterns", 3)]


def test_a_regex_rule_flags_a_match_with_the_pattern_that_found_it() -> None:
    rule = RegexRule(id="invites", patterns=(r"t\.me/\w+", r"discord\.gg/\w+"))
    [breach] = check(rule, "join Discord.gg/abc now")
    assert (breach.reason, breach.detail, breach.span) == ("pattern", r"discord\.gg/\w+", (5, 19))


def test_a_regex_rule_respects_case_when_told_to() -> None:
    rule = RegexRule(id="r", patterns=("SECRET",), ignore_case=False)
    assert check(rule, "a secret") == []
    assert reasons(check(rule, "a SECRET")) == ["pattern"]


def test_a_regex_rule_searches_only_the_first_max_chars_characters() -> None:
    rule = RegexRule(id="r", patterns=("needle",), max_chars=100)
    assert check(rule, "x" * 100 + "needle") == []
    assert reasons(check(rule, "x" * 94 + "needle")) == ["pattern"]


def test_a_folding_regex_rule_sees_through_look_alikes_and_reports_the_original_span() -> None:
    rule = RegexRule(id="r", patterns=(r"discord\.gg",), fold=True)
    text = "go to dis\N{CYRILLIC SMALL LETTER ES}\u200bord.gg now"
    assert flagged(rule, text) == "dis\N{CYRILLIC SMALL LETTER ES}\u200bord.gg"
    assert check(RegexRule(id="r", patterns=(r"discord\.gg",)), text) == []


def test_the_prefilter_knows_the_text_and_digits_a_match_needs() -> None:
    assert prefilter(r"discord(?:app)?\.(?:gg|com/invite)/\w+").needles == ("discord",)
    assert prefilter(r"\b(?:buy|cheap)\s+(?:followers|likes)\b").needles == ("followers", "likes")
    assert prefilter(r"\b(?:\d[ -]?){13,16}\b").min_digits == 13
    assert prefilter(r"xab?c").needles == ("xabc", "xac")


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("(?i)kelvin", "\u212aELVIN"),
        ("(?i)dim", "D\N{LATIN SMALL LETTER DOTLESS I}M"),
        ("STRASSE", "STRASSE"),
    ],
)
def test_the_prefilter_never_skips_a_message_the_pattern_matches(pattern: str, text: str) -> None:
    rule = RegexRule(id="r", patterns=(pattern,), ignore_case=False)
    assert reasons(check(rule, f"say {text}")) == ["pattern"]


def test_digits_of_any_script_count_for_a_pattern_that_needs_digits() -> None:
    rule = RegexRule(id="r", patterns=(r"\d{3}-\d{4}",))
    assert reasons(check(rule, "call \u0665\u0665\u0665-\u0661\u0662\u0663\u0664")) == ["pattern"]


def test_a_card_number_pattern_runs_only_when_there_are_enough_digits() -> None:
    rule = RegexRule(id="r", patterns=(r"\b(?:\d[ -]?){13,16}\b",))
    assert check(rule, "call 555 1234") == []
    assert reasons(check(rule, "card 4111 1111 1111 1111")) == ["pattern"]


# --- links ---------------------------------------------------------------------------------------


def test_links_are_found_in_slack_syntax_with_a_scheme_and_bare() -> None:
    text = "see <https://a.example.com/x|docs>, http://b.example.org/y. and c.example.net/path"
    assert [link.host for link in find_links(text)] == [
        "a.example.com",
        "b.example.org",
        "c.example.net",
    ]


def test_a_slack_link_counts_its_target_not_its_label() -> None:
    assert [link.host for link in find_links("<https://evil.example|paypal.com>")] == [
        "evil.example"
    ]


def test_email_addresses_and_matrix_ids_are_not_links() -> None:
    assert find_links("mail dana@example.com or ping @dana:example.org") == ()


def test_a_link_with_a_user_part_counts_its_real_host() -> None:
    assert [link.host for link in find_links("https://paypal.com@evil.example/login")] == [
        "evil.example"
    ]


def test_a_denied_domain_is_flagged_with_its_subdomains() -> None:
    rule = LinksRule(id="links", denied_domains=("evil.example",))
    [breach] = check(rule, "look at https://www.EVIL.example/path!")
    assert (breach.reason, breach.detail) == ("link_denied", "www.evil.example")
    assert check(rule, "look at https://notevil.example/") == []


def test_a_bare_denied_domain_is_flagged_whatever_its_ending() -> None:
    rule = LinksRule(id="links", denied_domains=("bad.zip",))
    assert flagged(rule, "download bad.zip/file now") == "bad.zip"


def test_file_names_are_not_links() -> None:
    rule = LinksRule(id="links", allowed_domains=("example.com",))
    assert check(rule, "see main.py and README.md or setup.sh") == []


def test_with_an_allow_list_any_other_domain_is_flagged() -> None:
    rule = LinksRule(id="links", allowed_domains=("example.com",))
    assert check(rule, "docs at https://docs.example.com/start") == []
    [breach] = check(rule, "docs at https://docs.example.com/start and other.org/x")
    assert (breach.reason, breach.detail) == ("link_not_allowed", "other.org")


def test_an_internationalized_domain_matches_in_either_spelling() -> None:
    unicode_rule = LinksRule(id="links", denied_domains=("bücher.example",))
    punycode_rule = LinksRule(id="links", denied_domains=("xn--bcher-kva.example",))
    assert reasons(check(unicode_rule, "https://xn--bcher-kva.example/")) == ["link_denied"]
    assert reasons(check(punycode_rule, "go to BÜCHER.example/angebote")) == ["link_denied"]


def test_fullwidth_dots_do_not_hide_a_domain() -> None:
    rule = LinksRule(id="links", denied_domains=("evil.com",))
    assert reasons(check(rule, "visit evil\u3002com today")) == ["link_denied"]


def test_a_domain_setting_must_be_a_domain() -> None:
    with pytest.raises(ValueError, match="domain only"):
        normalize_domain("https://example.com")
    with pytest.raises(ValueError, match="not a domain"):
        normalize_domain("localhost")
    assert normalize_domain("*.Example.COM") == "example.com"
    assert normalize_domain("bücher\u3002example\u3002") == "xn--bcher-kva.example"


def test_a_links_rule_that_could_never_apply_is_refused() -> None:
    with pytest.raises(ValidationError, match="never applies"):
        LinksRule(id="links")


def test_a_new_members_first_link_is_flagged() -> None:
    rule = LinksRule(id="links", new_member_first_link=True, new_member_days=7)
    new = {"member_since": T0 - timedelta(days=2)}
    assert reasons(check(rule, "see https://example.com", **new)) == ["first_link"]
    assert check(rule, "see https://example.com", has_posted_link_before=True, **new) == []
    assert check(rule, "no link here", **new) == []


def test_a_settled_members_first_link_is_not_flagged() -> None:
    rule = LinksRule(id="links", new_member_first_link=True, new_member_days=7)
    assert check(rule, "see https://example.com", member_since=T0 - timedelta(days=7)) == []
    assert check(rule, "see https://example.com", member_since=None) == []


# --- mentions, flood, repeat, caps ----------------------------------------------------------------


def test_more_mentions_than_allowed_are_flagged() -> None:
    rule = MentionsRule(id="m", max=2)
    many = tuple(MemberId(m) for m in ("a", "b", "c"))
    assert check(rule, mentions=many[:2]) == []
    [breach] = check(rule, mentions=many)
    assert (breach.reason, breach.detail) == ("mentions", "3")


def test_mentioning_the_same_member_twice_counts_once() -> None:
    rule = MentionsRule(id="m", max=1)
    assert check(rule, mentions=(MemberId("a"), MemberId("a"))) == []


def test_flooding_is_more_than_max_messages_in_the_window() -> None:
    rule = FloodRule(id="flood", max_messages=3, window_seconds=10)
    assert check(rule, past=history((9, "one"), (5, "two"))) == []
    [breach] = check(rule, past=history((9, "one"), (5, "two"), (1, "three")))
    assert (breach.reason, breach.detail) == ("flood", "4")


def test_a_message_exactly_one_window_old_is_outside_the_flood_window() -> None:
    rule = FloodRule(id="flood", max_messages=3, window_seconds=10)
    assert check(rule, past=history((10, "one"), (5, "two"), (1, "three"))) == []
    assert reasons(check(rule, past=history((9.999, "one"), (5, "two"), (1, "three")))) == ["flood"]


def test_the_same_text_the_set_number_of_times_is_a_repeat() -> None:
    rule = RepeatRule(id="repeat", times=3, window_seconds=60)
    past = history((50, "Buy cheap followers"), (20, "buy CHEAP followers!!"))
    [breach] = check(rule, "buy cheap f0llowers", past=past)
    assert (breach.reason, breach.detail) == ("repeat", "3")


def test_fewer_repeats_or_repeats_outside_the_window_are_not_a_repeat() -> None:
    rule = RepeatRule(id="repeat", times=3, window_seconds=60)
    assert check(rule, "buy cheap followers", past=history((20, "buy cheap followers"))) == []
    past = history((61, "buy cheap followers"), (20, "buy cheap followers"))
    assert check(rule, "buy cheap followers", past=past) == []


def test_short_texts_never_count_as_repeats() -> None:
    rule = RepeatRule(id="repeat", times=2, window_seconds=60, min_length=10)
    assert check(rule, "thanks!", past=history((5, "thanks!"))) == []


def test_shouting_is_flagged_above_the_ratio() -> None:
    rule = CapsRule(id="caps", ratio=0.7, min_length=10)
    [breach] = check(rule, "WHY IS NOBODY ANSWERING me")
    assert (breach.reason, breach.detail) == ("caps", "0.91")


def test_short_or_mostly_lower_case_text_is_not_shouting() -> None:
    rule = CapsRule(id="caps", ratio=0.7, min_length=10)
    assert check(rule, "OK THANKS") == []
    assert check(rule, "This is FINE and calm") == []
    assert check(CapsRule(id="caps", ratio=0.5, min_length=4), "ABcd") == []


def test_mentions_and_urls_do_not_make_a_message_shouting() -> None:
    rule = CapsRule(id="caps", ratio=0.7, min_length=4)
    assert check(rule, "<@U0123ABCDEF> <@U0456GHIJKL> see https://EXAMPLE.COM/ABCDEF") == []


def test_shouting_in_any_script_is_shouting() -> None:
    assert reasons(check(CapsRule(id="caps", min_length=10), "ΓΙΑΤΙ ΚΑΝΕΙΣ ΔΕΝ ΑΠΑΝΤΑ")) == ["caps"]


# --- new members, dry run, evaluation ------------------------------------------------------------

NEW = T0 - timedelta(days=1)
SETTLED = T0 - timedelta(days=100)


def newcomer_rules(**wrapper: Any) -> tuple[Rule, ...]:
    return RULES.validate_python(
        [
            {"kind": "flood", "id": "flood", "max_messages": 5, "window_seconds": 10, "rule": 3},
            {
                "kind": "new_member",
                "id": "newcomers",
                "days": 7,
                "rule": 4,
                "rules": [
                    {"kind": "flood", "id": "flood", "max_messages": 2, "window_seconds": 10},
                    {"kind": "mentions", "id": "few-mentions", "max": 1},
                ],
                **wrapper,
            },
        ]
    )


def test_a_new_member_gets_the_stricter_rules_in_place_of_the_others() -> None:
    past = history((3, "one"), (2, "two"))
    [breach] = evaluate(newcomer_rules(), facts(member_since=NEW), past, T0)
    assert (breach.rule_id, breach.via, breach.reason, breach.house_rule) == (
        "flood",
        "newcomers",
        "flood",
        4,
    )


def test_a_replaced_rule_is_not_also_applied_to_a_new_member() -> None:
    past = history(*((s, "message") for s in range(1, 7)))
    breaches = evaluate(newcomer_rules(), facts(member_since=NEW), past, T0)
    assert [(b.rule_id, b.via) for b in breaches] == [("flood", "newcomers")]


def test_a_settled_member_gets_only_the_usual_rules() -> None:
    past = history((3, "one"), (2, "two"))
    assert evaluate(newcomer_rules(), facts(member_since=SETTLED), past, T0) == []
    assert evaluate(newcomer_rules(), facts(member_since=None), past, T0) == []


def test_a_new_member_rule_adds_rules_that_apply_only_while_new() -> None:
    two = (MemberId("a"), MemberId("b"))
    rules = newcomer_rules()
    assert [
        b.rule_id
        for b in evaluate(rules, facts(mentions=two, member_since=NEW), MemberHistory(DANA), T0)
    ] == ["few-mentions"]
    assert evaluate(rules, facts(mentions=two, member_since=SETTLED), MemberHistory(DANA), T0) == []


def test_a_dry_run_new_member_rule_makes_its_rules_dry_run() -> None:
    past = history((3, "one"), (2, "two"))
    [breach] = evaluate(newcomer_rules(mode="dry_run"), facts(member_since=NEW), past, T0)
    assert breach.mode == "dry_run" and breach.dry_run


def test_a_new_member_rule_may_replace_a_rule_only_with_one_of_the_same_kind() -> None:
    with pytest.raises(ValidationError, match="replaces a flood rule with a caps rule"):
        RULES.validate_python(
            [
                {"kind": "flood", "id": "flood"},
                {"kind": "new_member", "id": "n", "rules": [{"kind": "caps", "id": "flood"}]},
            ]
        )


def test_two_new_member_rules_may_not_set_the_same_rule() -> None:
    with pytest.raises(ValidationError, match="set by both"):
        RULES.validate_python(
            [
                {"kind": "new_member", "id": "a", "rules": [{"kind": "caps", "id": "caps"}]},
                {"kind": "new_member", "id": "b", "rules": [{"kind": "caps", "id": "caps"}]},
            ]
        )


def test_a_dry_run_rule_says_so_in_its_breach() -> None:
    [breach] = check(KeywordsRule(id="w", words=("bad",), mode="dry_run"), "bad")
    assert breach.mode == "dry_run" and breach.dry_run
    [enforced] = check(KeywordsRule(id="w", words=("bad",)), "bad")
    assert enforced.mode == "enforce" and not enforced.dry_run


def test_breaches_come_in_the_order_the_rules_are_listed() -> None:
    rules = [CapsRule(id="caps", min_length=5), KeywordsRule(id="words", words=("spam",))]
    breaches = evaluate(rules, facts("SPAM SPAM SPAM"), MemberHistory(DANA), T0)
    assert [b.rule_id for b in breaches] == ["caps", "words"]


def test_a_clean_message_breaks_no_rule() -> None:
    rules = RULES.validate_python(
        [
            {"kind": "keywords", "id": "words", "words": ["bad"]},
            {"kind": "regex", "id": "r", "patterns": ["discord"]},
            {"kind": "links", "id": "links", "denied_domains": ["evil.example"]},
            {"kind": "caps", "id": "caps"},
        ]
    )
    assert (
        evaluate(rules, facts("Good morning, see https://example.com"), MemberHistory(DANA), T0)
        == []
    )


def test_evaluation_is_deterministic() -> None:
    rules = newcomer_rules()
    past = history((3, "one"), (2, "two"))
    message = facts("again", member_since=NEW, mentions=(MemberId("a"), MemberId("b")))
    assert evaluate(rules, message, past, T0) == evaluate(rules, message, past, T0)


@pytest.mark.parametrize(
    "text",
    ["a." * 20_000, "<http://x|" * 4_000, "<https://" * 5_000, "://" + "A." * 20_000, "a" * 40_000],
)
def test_a_crafted_long_message_is_evaluated_in_linear_time(text: str) -> None:
    """Quadratic scanning would take tens of seconds on these; linear takes milliseconds."""
    rules = RULES.validate_python(
        [
            {"kind": "keywords", "id": "words", "words": ["bad", "*ab*"]},
            {"kind": "links", "id": "links", "allowed_domains": ["example.com"]},
            {"kind": "caps", "id": "caps"},
            {"kind": "regex", "id": "r", "patterns": [r"discord\.gg/\w+"]},
        ]
    )
    started = time.perf_counter()
    evaluate(rules, facts(text), MemberHistory(DANA), T0)
    assert time.perf_counter() - started < 2


def test_evaluation_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate([], facts(), MemberHistory(DANA), datetime(2026, 1, 5, 8, 0))


def test_evaluation_refuses_another_members_history() -> None:
    with pytest.raises(ValueError, match="history of 'kim'"):
        evaluate([], facts(), MemberHistory(MemberId("kim")), T0)


# --- history -------------------------------------------------------------------------------------


def test_history_keeps_only_the_window_before_its_newest_entry() -> None:
    policy = HistoryPolicy(window=timedelta(seconds=10), max_entries=100)
    past = MemberHistory(DANA)
    for seconds in (0, 5, 12, 14):
        past = past.record(T0 + timedelta(seconds=seconds), "hi", policy)
    assert [e.at for e in past.entries] == [T0 + timedelta(seconds=s) for s in (5, 12, 14)]


def test_history_keeps_at_most_max_entries_newest_first() -> None:
    policy = HistoryPolicy(window=timedelta(hours=1), max_entries=2)
    past = MemberHistory(DANA)
    for seconds in (1, 2, 3):
        past = past.record(T0 + timedelta(seconds=seconds), f"m{seconds}", policy)
    assert [e.at for e in past.entries] == [T0 + timedelta(seconds=2), T0 + timedelta(seconds=3)]


def test_a_late_message_is_recorded_in_its_place() -> None:
    past = history((1, "a"), (3, "b"))
    past = past.record(T0 - timedelta(seconds=2), "c", POLICY)
    assert [e.at for e in past.entries] == [T0 - timedelta(seconds=s) for s in (3, 2, 1)]


def test_recording_returns_a_new_history_and_leaves_the_old_one_alone() -> None:
    empty = MemberHistory(DANA)
    assert empty.record(T0, "hi", POLICY) != empty
    assert empty.entries == ()


def test_history_keeps_fingerprints_not_text() -> None:
    past = history((1, "my secret text"))
    assert "secret" not in repr(past)


def test_the_history_policy_covers_the_longest_window_and_largest_limit() -> None:
    policy = history_policy(
        [
            FloodRule(id="flood", window_seconds=10, max_messages=200),
            NewMemberRule(id="n", rules=(RepeatRule(id="repeat", window_seconds=900),)),
        ]
    )
    assert policy == HistoryPolicy(window=timedelta(seconds=900), max_entries=200)


def test_rules_without_history_need_none() -> None:
    assert history_policy([CapsRule(id="caps")]) == HistoryPolicy(timedelta(0), 0)
