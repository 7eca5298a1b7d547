"""Folding and word matching: every disguise a keyword rule must see through, and what it must not."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from bot.features.moderation.normalize import (
    WordMatcher,
    fingerprint,
    fold,
    leet_readings,
    original_span,
    parse_entry,
    repeat_key,
    word_readings,
)

CYRILLIC_A = "\N{CYRILLIC SMALL LETTER A}"
ZWJ = "\N{ZERO WIDTH JOINER}"
ZWSP = "\N{ZERO WIDTH SPACE}"
COMBINING_ACUTE = "\N{COMBINING ACUTE ACCENT}"
COMBINING_STROKE = "\N{COMBINING SHORT STROKE OVERLAY}"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def found(matcher: WordMatcher, text: str) -> str | None:
    match = matcher.find(text)
    return None if match is None else text[match.span[0] : match.span[1]]


# --- folding ------------------------------------------------------------------------------------


def test_fullwidth_letters_fold_to_plain_ones() -> None:
    assert fold(fullwidth("Bad")) == "bad"


def test_cyrillic_and_greek_look_alikes_fold_to_latin() -> None:
    assert fold(f"b{CYRILLIC_A}d") == "bad"
    assert fold("\N{GREEK CAPITAL LETTER ETA}\N{GREEK SMALL LETTER OMICRON}t") == "hot"


def test_a_capital_greek_eta_reads_as_h_but_a_small_one_as_n() -> None:
    assert fold("\N{GREEK CAPITAL LETTER ETA}") == "h"
    assert fold("\N{GREEK SMALL LETTER ETA}") == "n"


def test_zero_width_characters_and_combining_marks_disappear() -> None:
    assert fold(f"b{ZWSP}a{ZWJ}d") == "bad"
    assert fold(f"ba{COMBINING_ACUTE}d{COMBINING_STROKE}") == "bad"


def test_ligatures_small_capitals_and_mathematical_letters_become_plain_letters() -> None:
    assert fold("\N{LATIN SMALL LIGATURE FI}ne") == "fine"
    assert fold("\N{LATIN LETTER SMALL CAPITAL B}ad") == "bad"
    assert fold("\N{MATHEMATICAL BOLD SMALL B}ad") == "bad"


def test_case_folding_goes_beyond_lower_case() -> None:
    assert fold("STRASSE") == fold("Straße") == "strasse"


def test_letters_of_other_scripts_are_kept() -> None:
    assert fold("日本語") == "日本語"


def test_a_hangul_filler_is_dropped_and_a_braille_blank_is_a_space() -> None:
    assert fold("b\N{HANGUL FILLER}ad") == "bad"
    assert fold("b\N{BRAILLE PATTERN BLANK}ad") == "b ad"


def test_a_span_of_folded_text_maps_back_to_the_original_characters() -> None:
    text = f"\N{LATIN SMALL LIGATURE FI}{ZWSP}xy"
    assert fold(text) == "fixy"
    assert original_span(text, 2, 3) == (2, 3)
    assert original_span(text, 3, 4) == (3, 4)


def test_a_span_maps_back_over_trailing_marks_and_whole_expanded_characters() -> None:
    text = f"ba{COMBINING_ACUTE}d{COMBINING_ACUTE} ok"
    assert original_span(text, 0, 3) == (0, 5)
    assert original_span(text, 4, 6) == (6, 8)
    ligature = "\N{LATIN SMALL LIGATURE FI}x"
    assert original_span(ligature, 0, 1) == (0, 1)
    assert original_span(ligature, 1, 3) == (0, 2)


# --- leetspeak and word readings ----------------------------------------------------------------


def test_leetspeak_is_read_as_letters() -> None:
    assert leet_readings("b4d 5h0w @ll 3v3ry 7h1ng$") == (
        "bad show all every things",
        "bad show all every thlngs",
    )
    assert leet_readings("b4d $ale") == ("bad sale",)


def test_a_one_is_read_both_as_i_and_as_l() -> None:
    assert leet_readings("k1ll") == ("kill", "klll")


def test_text_without_leet_characters_has_one_reading_itself() -> None:
    assert leet_readings("plain words") == ("plain words",)


def test_word_readings_replace_punctuation_with_spaces() -> None:
    assert word_readings("b4d, w0rds!") == ("bad  words ",)


def test_word_readings_fold_the_text_like_fold_does() -> None:
    assert word_readings(fullwidth("B4D!") + " Café") == ("bad  cafe",)


def test_word_readings_read_a_one_both_ways_in_any_script() -> None:
    assert word_readings("K1ll") == ("kill", "klll")
    assert word_readings(fullwidth("k1ll")) == ("kill", "klll")


# --- repeat keys --------------------------------------------------------------------------------


def test_messages_differing_only_in_case_punctuation_and_leet_share_a_repeat_key() -> None:
    assert repeat_key("Buy now!!!") == repeat_key("buy n0w") == repeat_key("BUY   NOW")


def test_messages_of_only_emoji_are_compared_by_their_characters() -> None:
    assert repeat_key("🎉🎉") == "🎉🎉"
    assert repeat_key("🎉🎉") != repeat_key("👍👍")


def test_a_fingerprint_is_short_stable_and_tells_keys_apart() -> None:
    assert fingerprint("buy now") == fingerprint("buy now")
    assert len(fingerprint("buy now")) == 16
    assert fingerprint("buy now") != fingerprint("buy later")


# --- configured entries -------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["", "  ", "*", "**", "a*b", "!!!", "x" * 101])
def test_an_unusable_entry_is_refused_with_a_reason(entry: str) -> None:
    with pytest.raises(ValueError, match=r"letters or digits|only allowed|longer than"):
        parse_entry(entry)


def test_stars_open_the_word_boundary_at_their_end() -> None:
    entry = parse_entry("*spam")
    assert entry.open_start and not entry.open_end and not entry.exact


# --- matching -----------------------------------------------------------------------------------


@pytest.fixture
def bad() -> WordMatcher:
    return WordMatcher(["bad", "ass", "free money"])


def test_a_keyword_is_found_whatever_its_case(bad: WordMatcher) -> None:
    assert found(bad, "That is BAD.") == "BAD"


def test_a_keyword_is_not_found_inside_another_word(bad: WordMatcher) -> None:
    assert found(bad, "a classic class, badges, embassy") is None


def test_an_underscore_separates_words(bad: WordMatcher) -> None:
    assert found(bad, "bad_guy") == "bad"


def test_a_cyrillic_letter_inside_a_keyword_does_not_hide_it(bad: WordMatcher) -> None:
    assert found(bad, f"so b{CYRILLIC_A}d") == f"b{CYRILLIC_A}d"


def test_fullwidth_letters_do_not_hide_a_keyword(bad: WordMatcher) -> None:
    assert found(bad, f"so {fullwidth('bad')}!") == fullwidth("bad")


def test_zero_width_joiners_inside_a_keyword_do_not_hide_it(bad: WordMatcher) -> None:
    assert found(bad, f"so b{ZWJ}a{ZWJ}d") == f"b{ZWJ}a{ZWJ}d"


def test_combining_accents_on_a_keyword_do_not_hide_it_and_belong_to_the_match(
    bad: WordMatcher,
) -> None:
    text = f"so b{COMBINING_STROKE}a{COMBINING_STROKE}d{COMBINING_STROKE} really"
    assert found(bad, text) == f"b{COMBINING_STROKE}a{COMBINING_STROKE}d{COMBINING_STROKE}"


@pytest.mark.parametrize("text", ["b4d", "@$$", "a55", "B@D"])
def test_leetspeak_does_not_hide_a_keyword(bad: WordMatcher, text: str) -> None:
    assert found(bad, f"you {text}") == text


def test_a_one_in_place_of_an_i_or_an_l_is_seen_through() -> None:
    matcher = WordMatcher(["idiot", "loser"])
    assert found(matcher, "1d1ot") == "1d1ot"
    assert found(matcher, "1oser") == "1oser"


def test_a_number_is_not_read_as_a_disguised_word(bad: WordMatcher) -> None:
    assert found(bad, "we sold 455 units") is None


def test_a_keyword_that_is_a_number_matches_that_number_as_a_whole() -> None:
    matcher = WordMatcher(["1488"])
    assert found(matcher, "see 1488.") == "1488"
    assert found(matcher, "in 11488 ways") is None


@pytest.mark.parametrize("text", ["b.a.d", "b a d", "b-a-d", "b_a_d", "b . a . d", "B*A*D"])
def test_spaced_out_letters_are_read_as_one_word(bad: WordMatcher, text: str) -> None:
    assert found(bad, f"you are {text} now") == text


def test_spaced_letters_are_still_checked_for_leetspeak(bad: WordMatcher) -> None:
    assert found(bad, "a.5.5 indeed") == "a.5.5"


def test_a_stretched_letter_is_seen_through(bad: WordMatcher) -> None:
    assert found(bad, "sooo baaaad") == "baaaad"


def test_a_doubled_letter_is_a_different_word_not_a_stretched_one() -> None:
    matcher = WordMatcher(["god"])
    assert found(matcher, "good morning") is None
    assert found(matcher, "goooood") == "goooood"


def test_a_keyword_with_a_double_letter_needs_at_least_that_many(bad: WordMatcher) -> None:
    assert found(bad, "as you said") is None
    assert found(bad, "asssss") == "asssss"


@pytest.mark.parametrize("text", ["free money", "free-m0ney", "FREE   MONEY", "freemoney"])
def test_a_phrase_is_found_whatever_separates_its_words(bad: WordMatcher, text: str) -> None:
    assert found(bad, f"get {text} here") == text


def test_a_phrase_is_not_found_when_other_words_come_between(bad: WordMatcher) -> None:
    assert found(bad, "free the money") is None


def test_a_star_entry_matches_inside_longer_words() -> None:
    matcher = WordMatcher(["spam*", "*hole"])
    assert found(matcher, "spammers everywhere") == "spam"
    assert found(matcher, "a blackhole") == "hole"
    assert found(matcher, "holes") is None


def test_an_allowed_word_does_not_trigger_though_it_contains_a_keyword() -> None:
    matcher = WordMatcher(["*cunt*"], allowed=["Scunthorpe"])
    assert found(matcher, "I live in Scunthorpe") is None
    assert found(matcher, "I live in SCUNTHORPE, you cunt") == "cunt"


def test_without_the_allow_list_the_same_word_triggers() -> None:
    assert found(WordMatcher(["*cunt*"]), "I live in Scunthorpe") == "cunt"


def test_the_match_names_the_entry_as_it_was_written() -> None:
    matcher = WordMatcher(["Free Money", "k1ll"])
    assert matcher.find("free m0ney!") is not None
    assert matcher.find("free m0ney!").entry == "Free Money"  # type: ignore[union-attr]
    assert matcher.find("kiiill").entry == "k1ll"  # type: ignore[union-attr]


def test_the_first_match_in_the_text_is_reported() -> None:
    assert found(WordMatcher(["zebra", "apple"]), "apple then zebra") == "apple"


def test_a_thousand_keywords_are_matched_as_one() -> None:
    rng = random.Random(7)
    words = sorted({"".join(rng.choices("abcdefghij", k=8)) for _ in range(1_000)})
    matcher = WordMatcher(words)
    assert found(matcher, f"nothing here but {words[-1]}.") == words[-1]
    assert found(matcher, "nothing here at all") is None


TRICKY_TEXTS = [
    "bad",
    "baaad",
    "b a d",
    "b.a.d.",
    "b4d",
    f"b{CYRILLIC_A}d",
    fullwidth("bad"),
    "goooood",
    "a55",
    "455",
    "freemoney",
    "free  m0ney!",
    "as",
    "class",
    "k1ll",
    "1337",
    "I a m ok",
    "x y z",
    "zzz",
    f"b{ZWSP}ad",
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_the_quick_word_lookup_never_hides_what_the_patterns_find(text: str) -> None:
    entries = ["bad", "god", "ass", "free money", "kill", "leet", "xyz", "iam"]
    quick = WordMatcher(entries)
    thorough = WordMatcher([*entries, "*qqqqqq*"])
    assert quick.find(f"say {text} now") == thorough.find(f"say {text} now")


def seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@pytest.mark.parametrize(
    ("entries", "text"),
    [
        (["*ab*"], "a" * 40_000),
        (["bad", "free money"], "b.a." * 10_000),
        (["bad"], "baaaaaaaad " * 4_000),
        (["free money"], "free " * 8_000),
    ],
)
def test_a_crafted_long_message_is_matched_in_linear_time(entries: list[str], text: str) -> None:
    """Quadratic matching would take tens of seconds here; linear takes milliseconds."""
    assert seconds(lambda: WordMatcher(entries).find(text)) < 2
