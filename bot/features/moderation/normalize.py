"""Text folding for moderation, and finding configured words in folded text.

People who want a word past a filter write it so it looks the same to a reader and different to a
computer: `bаd` with a Cyrillic `а`, fullwidth `ｂａｄ`, `b\u200bad` with a zero-width space,
`b̷a̷d̷` with combining strokes, `b4d`, `b.a.d`, `baaad`. Folding maps all of these to one
canonical spelling, and the keyword rule compares canonical spellings only.

Folding, per character (so a match in folded text can be reported as a span of the *original*
text, see `original_span`):

1. compatibility decomposition (NFKD: the decomposing half of NFKC; fullwidth, ligatures,
   mathematical and circled letters become plain letters);
2. capital look-alikes (Cyrillic `Н`, Greek `Η`) become Latin capitals, then case folding;
3. combining marks and invisible format characters (zero-width space/joiners, soft hyphen,
   bidi controls, variation selectors, Hangul fillers) are dropped;
4. lower-case look-alikes (Cyrillic `а`, Greek `ο`, small capitals `ʙ`) become Latin letters.

Leetspeak (`0 1 3 4 5 7 @ $`) is *not* part of folding: `1` reads as `i` or `l`, and a number such
as `455` is a number, not a word, so leet readings are produced separately (`leet_readings`) and
the matcher ignores a match made only of digits.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, groupby

_CAPITAL_LOOK_ALIKES = {
    "\N{CYRILLIC CAPITAL LETTER A}": "A",
    "\N{CYRILLIC CAPITAL LETTER VE}": "B",
    "\N{CYRILLIC CAPITAL LETTER IE}": "E",
    "\N{CYRILLIC CAPITAL LETTER KA}": "K",
    "\N{CYRILLIC CAPITAL LETTER EM}": "M",
    "\N{CYRILLIC CAPITAL LETTER EN}": "H",
    "\N{CYRILLIC CAPITAL LETTER O}": "O",
    "\N{CYRILLIC CAPITAL LETTER ER}": "P",
    "\N{CYRILLIC CAPITAL LETTER ES}": "C",
    "\N{CYRILLIC CAPITAL LETTER TE}": "T",
    "\N{CYRILLIC CAPITAL LETTER U}": "Y",
    "\N{CYRILLIC CAPITAL LETTER HA}": "X",
    "\N{CYRILLIC CAPITAL LETTER DZE}": "S",
    "\N{CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I}": "I",
    "\N{CYRILLIC CAPITAL LETTER JE}": "J",
    "\N{CYRILLIC LETTER PALOCHKA}": "I",
    "\N{CYRILLIC CAPITAL LETTER STRAIGHT U}": "Y",
    "\N{GREEK CAPITAL LETTER ALPHA}": "A",
    "\N{GREEK CAPITAL LETTER BETA}": "B",
    "\N{GREEK CAPITAL LETTER EPSILON}": "E",
    "\N{GREEK CAPITAL LETTER ZETA}": "Z",
    "\N{GREEK CAPITAL LETTER ETA}": "H",
    "\N{GREEK CAPITAL LETTER IOTA}": "I",
    "\N{GREEK CAPITAL LETTER KAPPA}": "K",
    "\N{GREEK CAPITAL LETTER MU}": "M",
    "\N{GREEK CAPITAL LETTER NU}": "N",
    "\N{GREEK CAPITAL LETTER OMICRON}": "O",
    "\N{GREEK CAPITAL LETTER RHO}": "P",
    "\N{GREEK CAPITAL LETTER TAU}": "T",
    "\N{GREEK CAPITAL LETTER UPSILON}": "Y",
    "\N{GREEK CAPITAL LETTER CHI}": "X",
}
"""Applied before case folding: `Η` (Eta) looks like `H`, but its lower case `η` looks like `n`."""

_SMALL_LOOK_ALIKES = {
    "\N{CYRILLIC SMALL LETTER A}": "a",
    "\N{CYRILLIC SMALL LETTER IE}": "e",
    "\N{CYRILLIC SMALL LETTER O}": "o",
    "\N{CYRILLIC SMALL LETTER ER}": "p",
    "\N{CYRILLIC SMALL LETTER ES}": "c",
    "\N{CYRILLIC SMALL LETTER U}": "y",
    "\N{CYRILLIC SMALL LETTER HA}": "x",
    "\N{CYRILLIC SMALL LETTER DZE}": "s",
    "\N{CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I}": "i",
    "\N{CYRILLIC SMALL LETTER JE}": "j",
    "\N{CYRILLIC SMALL LETTER KOMI DE}": "d",
    "\N{CYRILLIC SMALL LETTER SHHA}": "h",
    "\N{CYRILLIC SMALL LETTER PALOCHKA}": "l",
    "\N{CYRILLIC SMALL LETTER QA}": "q",
    "\N{CYRILLIC SMALL LETTER WE}": "w",
    "\N{CYRILLIC SMALL LETTER STRAIGHT U}": "y",
    "\N{CYRILLIC SMALL LETTER SOFT SIGN}": "b",
    "\N{CYRILLIC SMALL LETTER PE}": "n",
    "\N{CYRILLIC SMALL LETTER KA}": "k",
    "\N{CYRILLIC SMALL LETTER EM}": "m",
    "\N{CYRILLIC SMALL LETTER TE}": "t",
    "\N{CYRILLIC SMALL LETTER EN}": "h",
    "\N{CYRILLIC SMALL LETTER GHE}": "r",
    "\N{GREEK SMALL LETTER ALPHA}": "a",
    "\N{GREEK SMALL LETTER GAMMA}": "y",
    "\N{GREEK SMALL LETTER EPSILON}": "e",
    "\N{GREEK SMALL LETTER ETA}": "n",
    "\N{GREEK SMALL LETTER IOTA}": "i",
    "\N{GREEK SMALL LETTER KAPPA}": "k",
    "\N{GREEK SMALL LETTER NU}": "v",
    "\N{GREEK SMALL LETTER OMICRON}": "o",
    "\N{GREEK SMALL LETTER RHO}": "p",
    "\N{GREEK SMALL LETTER TAU}": "t",
    "\N{GREEK SMALL LETTER UPSILON}": "u",
    "\N{GREEK SMALL LETTER CHI}": "x",
    "\N{GREEK SMALL LETTER OMEGA}": "w",
    "\N{LATIN SMALL LETTER DOTLESS I}": "i",
    "\N{LATIN SMALL LETTER DOTLESS J}": "j",
    "\N{LATIN SMALL LETTER ALPHA}": "a",
    "\N{LATIN SMALL LETTER SCRIPT G}": "g",
    "\N{LATIN SMALL LETTER IOTA}": "i",
    "\N{LATIN LETTER SMALL CAPITAL A}": "a",
    "\N{LATIN LETTER SMALL CAPITAL B}": "b",
    "\N{LATIN LETTER SMALL CAPITAL C}": "c",
    "\N{LATIN LETTER SMALL CAPITAL D}": "d",
    "\N{LATIN LETTER SMALL CAPITAL E}": "e",
    "\N{LATIN LETTER SMALL CAPITAL F}": "f",
    "\N{LATIN LETTER SMALL CAPITAL G}": "g",
    "\N{LATIN LETTER SMALL CAPITAL H}": "h",
    "\N{LATIN LETTER SMALL CAPITAL I}": "i",
    "\N{LATIN LETTER SMALL CAPITAL J}": "j",
    "\N{LATIN LETTER SMALL CAPITAL K}": "k",
    "\N{LATIN LETTER SMALL CAPITAL L}": "l",
    "\N{LATIN LETTER SMALL CAPITAL M}": "m",
    "\N{LATIN LETTER SMALL CAPITAL N}": "n",
    "\N{LATIN LETTER SMALL CAPITAL O}": "o",
    "\N{LATIN LETTER SMALL CAPITAL P}": "p",
    "\N{LATIN LETTER SMALL CAPITAL R}": "r",
    "\N{LATIN LETTER SMALL CAPITAL S}": "s",
    "\N{LATIN LETTER SMALL CAPITAL T}": "t",
    "\N{LATIN LETTER SMALL CAPITAL U}": "u",
    "\N{LATIN LETTER SMALL CAPITAL V}": "v",
    "\N{LATIN LETTER SMALL CAPITAL W}": "w",
    "\N{LATIN LETTER SMALL CAPITAL Y}": "y",
    "\N{LATIN LETTER SMALL CAPITAL Z}": "z",
}

_RENDERED_BLANK = {
    "\N{HANGUL FILLER}",
    "\N{HANGUL CHOSEONG FILLER}",
    "\N{HANGUL JUNGSEONG FILLER}",
    "\N{HALFWIDTH HANGUL FILLER}",
}
"""Letters (category Lo) that render as nothing; spammers use them like zero-width spaces."""

_BLANK_AS_SPACE = {"\N{BRAILLE PATTERN BLANK}"}

LEET_AS_I = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
LEET_AS_L = {**LEET_AS_I, ord("1"): "l"}
_LEET_CHARS = frozenset("013457@$")
_TABLE_CACHE_LIMIT = 65_536


def fold_char(char: str) -> str:
    """The folded form of one character: zero, one or several characters (`ﬁ` -> `fi`)."""
    if char in _BLANK_AS_SPACE:
        return " "
    parts = [_CAPITAL_LOOK_ALIKES.get(c, c) for c in unicodedata.normalize("NFKD", char)]
    lowered = unicodedata.normalize("NFKD", "".join(parts).casefold())
    return "".join(_SMALL_LOOK_ALIKES.get(c, c) for c in lowered if _is_visible(c))


def _is_visible(char: str) -> bool:
    category = unicodedata.category(char)
    return not (category[0] == "M" or category == "Cf" or char in _RENDERED_BLANK)


class LazyTable(dict[int, str]):
    """A `str.translate` table that computes each character's entry on first use.

    Unicode is too large to tabulate up front; chat text uses few distinct characters. The cache
    stops growing at a limit, so text made of every code point cannot grow memory without bound.
    Also the fast way to translate non-ASCII text: a sparse table (`str.maketrans`) makes
    `translate` raise and catch a `KeyError` for every character it does not list, which costs
    about ten times more than finding the entry.
    """

    def __init__(self, compute: Callable[[str], str]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, code: int) -> str:
        value = self._compute(chr(code))
        if len(self) < _TABLE_CACHE_LIMIT:
            self[code] = value
        return value


_FOLD = LazyTable(fold_char)


def fold(text: str) -> str:
    """The canonical spelling of `text` (see the module docstring); no leet readings."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


def original_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Map a span of `fold(text)` back to `text`.

    The end reaches over characters that folded to nothing (a trailing combining accent or
    zero-width joiner belongs to the match), and a match ending inside one character's expansion
    (`ﬁ` -> `fi`) takes the whole character. Only called once a match was found.
    """
    if text.isascii():
        return start, end
    ends = list(accumulate(map(len, map(_FOLD.__getitem__, map(ord, text)))))
    first = bisect_right(ends, start)
    if end <= start:
        return first, first
    last = bisect_right(ends, end - 1)
    stop = bisect_right(ends, end) if end < ends[-1] else len(text)
    return first, max(stop, last + 1)


def leet_readings(folded: str) -> tuple[str, ...]:
    """The folded text with leetspeak read as letters; two readings when a `1` could be i or l."""
    if _LEET_CHARS.isdisjoint(folded):
        return (folded,)
    as_i = folded.translate(_LEET_I)
    if "1" not in folded:
        return (as_i,)
    return as_i, folded.translate(_LEET_L)


_LEET_I = LazyTable(lambda char: LEET_AS_I.get(ord(char), char))
_LEET_L = LazyTable(lambda char: LEET_AS_L.get(ord(char), char))
_ONE = "I"
"""Stands for a `1` in a word reading until it is read as `i` or `l`. Folded text is lower case,
so an upper-case letter in a word reading can only be this."""
_LEET_MARKED = {**LEET_AS_I, ord("1"): _ONE}


def _word_char(char: str) -> str:
    """One folded character in a word reading: leet read as a letter, a non-word one a space."""
    read = _LEET_MARKED.get(ord(char), char)
    return read if read.isalnum() else " "


_WORDS = LazyTable(lambda char: "".join(map(_word_char, fold_char(char))))
"""From an original character straight to its word reading: folding included, one pass."""
_ASCII_WORDS = bytes(ord(_word_char(chr(c).lower())) if c < 128 else c for c in range(256))


def word_readings(text: str) -> tuple[str, ...]:
    """`fold(text)` with leetspeak read as letters and every non-word character a space; two
    readings when a `1` could be i or l.

    This is the cheap form the keyword rule tests first: `.split()` gives the words, and a set
    lookup decides whether any configured word can be present at all. One table pass over the
    original text (over bytes for ASCII, several times faster than `str.translate`), and
    position for position the same as the folded text.
    """
    if text.isascii():
        marked = text.encode("ascii").translate(_ASCII_WORDS).decode("ascii")
    else:
        marked = text.translate(_WORDS)
    if _ONE not in marked:
        return (marked,)
    return marked.replace(_ONE, "i"), marked.replace(_ONE, "l")


class FoldedText:
    """A text and its folded forms, each made once, when first asked for.

    Several checks read the same forms of one message (the keyword rule its words, the repeat
    rule its key); sharing them keeps a message cheap however many rules read it.
    """

    __slots__ = ("_folded", "_readings", "_repeat_key", "_words", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: str | None = None
        self._readings: tuple[str, ...] | None = None
        self._words: tuple[list[str], ...] | None = None
        self._repeat_key: str | None = None

    def folded(self) -> str:
        """`fold(text)`."""
        if self._folded is None:
            self._folded = fold(self.text)
        return self._folded

    def readings(self) -> tuple[str, ...]:
        """`word_readings(text)`."""
        if self._readings is None:
            self._readings = word_readings(self.text)
        return self._readings

    def words(self) -> tuple[list[str], ...]:
        """The words of each reading."""
        if self._words is None:
            self._words = tuple([reading.split() for reading in self.readings()])
        return self._words

    def repeat_key(self) -> str:
        """What "the same text" means for the repeat rule: folded words, leet read, punctuation
        ignored. `Buy now!!!`, `buy n0w` and `BUY NOW` are the same message; text with no words
        (only emoji) is compared by its folded characters instead."""
        if self._repeat_key is None:
            self._repeat_key = " ".join(self.words()[0]) or " ".join(self.folded().split())
        return self._repeat_key


def repeat_key(text: str) -> str:
    """`FoldedText(text).repeat_key()`."""
    return FoldedText(text).repeat_key()


def fingerprint(key: str) -> str:
    """A short stable digest of a repeat key: history keeps this, never the text itself.

    Stable across processes (unlike `hash()`), so a stored history stays comparable.
    """
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


# --- finding configured words -------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
_BEFORE_WORD = r"(?<![^\W_])"
_AFTER_WORD = r"(?![^\W_])"
_BETWEEN_WORDS = r"[\W_]*"
_SPACED = re.compile(
    r"(?<![^\W_])(?<![@$])(?:[^\W_]|[@$])(?:(?:[^\w@$]|_){1,3}(?:[^\W_]|[@$])){2,}(?![^\W_])(?![@$])"
)
"""Single letters with separators between them: `b.a.d`, `b a d`, `b-a-d` (three or more)."""

_TRIPLED = re.compile(r"([^ ])\1\1")
"""In a word reading: a letter three times in a row, as in a stretched word."""
_SPACED_LETTERS = re.compile(r" [^ ] {1,3}[^ ] {1,3}[^ ](?![^ ])")
"""In a word reading with a leading space: spaced single letters (see `_SPACED`). Its literal
first character lets `re` skip ahead quickly, which a combined pattern would lose."""

_RUN = re.compile(r"(.)\1*")
_TOKEN = re.compile(r"[^ ]+")
MAX_ENTRY_LENGTH = 100


@dataclass(frozen=True, slots=True)
class WordEntry:
    """One configured word or phrase, parsed.

    `*` at either end lifts the word boundary there: `spam*` also finds `spammer`, `*hole` finds
    `blackhole`, `*cunt*` finds it anywhere inside a word (and would need `Scunthorpe` allowed).
    """

    source: str
    readings: tuple[tuple[str, ...], ...]
    """Words of each leet reading of the folded entry (a phrase has several words)."""
    numeric: bool
    """No letters at all (`1488`): may match a number, which letter words never do (`455`)."""
    open_start: bool
    open_end: bool

    @property
    def exact(self) -> bool:
        return not (self.open_start or self.open_end)


def parse_entry(source: str) -> WordEntry:
    """Parse a configured keyword or allowed word; `ValueError` says what is wrong with it."""
    text = source.strip()
    core = text.strip("*").strip()
    if not core:
        raise ValueError(f"{source!r} has no letters or digits")
    if "*" in core:
        raise ValueError(f"{source!r}: '*' is only allowed at the start or end")
    if len(core) > MAX_ENTRY_LENGTH:
        raise ValueError(f"{source!r} is longer than {MAX_ENTRY_LENGTH} characters")
    folded = fold(core)
    numeric = not any(c.isalpha() for c in folded)
    readings = tuple(dict.fromkeys(tuple(_WORD.findall(r)) for r in leet_readings(folded)))
    if not readings[0]:
        raise ValueError(f"{source!r} has no letters or digits")
    return WordEntry(source, readings, numeric, text.startswith("*"), text.endswith("*"))


def _run_pattern(char: str, count: int) -> str:
    """A run of one letter, stretched or not: `baaad` is `bad`, but `good` is not `god`.

    A run matches the same length, or any length of three or more (real words rarely triple a
    letter); so `as` does not match `ass`, and `assss` does. Possessive, so a long run is read
    once, never given back letter by letter.
    """
    c = re.escape(char)
    if count == 1:
        return f"{c}(?:{c}{c}++)?"
    if count == 2:
        return f"{c}{c}++"
    return f"{c}{{{count},}}+"


def _tokens(entry: WordEntry, words: tuple[str, ...]) -> list[str]:
    """The regex pieces of one reading of an entry, in order.

    An entry open at the start (`*hole`) still starts where a run of its first letter starts:
    otherwise it would be tried at every letter of a long run (`aaaa…`), in quadratic time.
    """
    first = re.escape(words[0][0])
    tokens = [f"(?<!{first})"] if entry.open_start else [_BEFORE_WORD]
    for position, word in enumerate(words):
        if position:
            tokens.append(_BETWEEN_WORDS)
        tokens.extend(_run_pattern(m.group(1), len(m.group(0))) for m in _RUN.finditer(word))
    if not entry.open_end:
        tokens.append(_AFTER_WORD)
    return tokens


class _Trie:
    """Regex alternatives merged by common prefix, so a thousand words cost one regex pass."""

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.terminal = False

    def add(self, tokens: Sequence[str]) -> None:
        node = self
        for token in tokens:
            node = node.children.setdefault(token, _Trie())
        node.terminal = True

    def pattern(self) -> str:
        branches = [token + child.pattern() for token, child in sorted(self.children.items())]
        if self.terminal:
            branches.append("")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"


def _compile(entries: Sequence[WordEntry]) -> re.Pattern[str] | None:
    if not entries:
        return None
    trie = _Trie()
    for entry in entries:
        for words in entry.readings:
            trie.add(_tokens(entry, words))
    return re.compile(trie.pattern())


def _skeleton(text: str) -> str:
    """Letters and digits only, runs collapsed: how a match is traced back to its entry."""
    return "".join(char for char, _ in groupby("".join(_WORD.findall(text))))


@dataclass(frozen=True, slots=True)
class WordMatch:
    span: tuple[int, int]
    """Where the match is in the original text."""
    entry: str
    """The configured entry that matched, as it was written."""


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    reading: str


class _Patterns:
    """Compiled entries, matched in the leet readings of folded text.

    A match of a letter word that is made only of digits (`455` read as `ass`) is a number, not a
    disguised word, and is dropped; entries that are numbers themselves keep theirs.
    """

    def __init__(self, entries: Sequence[WordEntry]) -> None:
        self.words = _compile([e for e in entries if not e.numeric])
        self.numbers = _compile([e for e in entries if e.numeric])

    def hits(
        self, folded: str, readings: Sequence[str], starts: Sequence[list[int]] | None = None
    ) -> Iterator[_Hit]:
        """Matches in each reading: anywhere, or only at the given start positions of each."""
        for index, reading in enumerate(readings):
            at = None if starts is None else starts[index]
            for m in _matches(self.words, reading, at):
                if not _is_number(folded[m.start() : m.end()]):
                    yield _Hit(m.start(), m.end(), reading)
            for m in _matches(self.numbers, reading, at):
                yield _Hit(m.start(), m.end(), reading)


def _matches(
    pattern: re.Pattern[str] | None, text: str, starts: list[int] | None
) -> Iterator[re.Match[str]]:
    if pattern is None:
        return
    if starts is None:
        yield from pattern.finditer(text)
        return
    for start in starts:
        found = pattern.match(text, start)
        if found is not None:
            yield found


class WordMatcher:
    """Finds any of many configured words in a message, however it was disguised.

    Built once per rule. A message is first reduced to its set of words (a few C-level string
    operations); only if one of them is a configured word, or the text shows a trick (a tripled
    letter, spaced letters), do the compiled patterns run. Words with `*` cannot be looked up in a
    set, so a rule that has any runs its patterns on every message.
    """

    def __init__(self, entries: Sequence[str], allowed: Sequence[str] = ()) -> None:
        parsed = [parse_entry(e) for e in entries]
        self._patterns = _Patterns(parsed)
        self._allowed = _Patterns([parse_entry(a) for a in allowed])
        self._keys = frozenset(_lookup_keys(parsed)) if all(e.exact for e in parsed) else None
        """None when some entry has a `*`: then there is no word to look up."""
        self._names: dict[str, str] = {}
        for entry in parsed:
            for words in entry.readings:
                self._names.setdefault(_skeleton("".join(words)), entry.source)

    def find(self, message: str | FoldedText) -> WordMatch | None:
        """The first configured word in the text that no allowed word covers, or None."""
        forms = FoldedText(message) if isinstance(message, str) else message
        starts = None
        if self._keys is not None:
            if not _may_contain(forms, self._keys):
                return None
            starts = _word_starts(forms, self._keys)
        text, folded = forms.text, forms.folded()
        hits = list(self._hits(folded, starts))
        if not hits:
            return None
        hit = min(hits, key=lambda h: (h.start, h.end))
        span = original_span(text, hit.start, hit.end)
        matched = _skeleton(hit.reading[hit.start : hit.end])
        return WordMatch(span, self._names.get(matched, matched))

    def _hits(self, folded: str, starts: list[list[int]] | None) -> Iterator[_Hit]:
        readings = leet_readings(folded)
        yield from self._unallowed(folded, self._patterns.hits(folded, readings, starts))
        for spaced in _SPACED.finditer(folded):
            positions = [i for i in range(*spaced.span()) if _is_letter_or_leet(folded[i])]
            letters = "".join(folded[i] for i in positions)
            found = self._patterns.hits(letters, leet_readings(letters))
            for hit in self._unallowed(letters, found):
                yield _Hit(positions[hit.start], positions[hit.end - 1] + 1, hit.reading)

    def _unallowed(self, folded: str, hits: Iterator[_Hit]) -> Iterator[_Hit]:
        allowed: list[_Hit] | None = None
        for hit in hits:
            if allowed is None:
                allowed = list(self._allowed.hits(folded, leet_readings(folded)))
            if not any(
                a.reading == hit.reading and a.start <= hit.start and hit.end <= a.end
                for a in allowed
            ):
                yield hit


def _may_contain(text: FoldedText, keys: frozenset[str]) -> bool:
    """False only when no exact entry can match: the cheap test most messages stop at.

    An exact entry matches a whole word of a leet reading, so that word is in `keys`, unless a
    letter is stretched (then a letter appears three times in a row) or the word is spelled in
    spaced letters; both are looked for in the same reading.
    """
    readings = text.readings()
    for index, words in enumerate(text.words()):
        if not keys.isdisjoint(words) or _TRIPLED.search(readings[index]):
            return True
        if _SPACED_LETTERS.search(" " + readings[index]):
            return True
    return False


def _word_starts(text: FoldedText, keys: frozenset[str]) -> list[list[int]]:
    """Where in each reading an exact entry can start: at a word that is a key, or that has a
    stretched letter. Matching only there spares running a thousand alternatives everywhere.

    Positions in a word reading are positions in the leet reading of the same index: both map
    the folded text character by character.
    """
    starts: list[list[int]] = []
    for reading in text.readings():
        stretched = _TRIPLED.search(reading) is not None
        starts.append(
            [
                m.start()
                for m in _TOKEN.finditer(reading)
                if m.group() in keys or (stretched and _TRIPLED.search(m.group()))
            ]
        )
    return starts


def _is_number(folded: str) -> bool:
    """Digits, perhaps with separators, but no letter and no `@` or `$` standing in for one."""
    return not any(c.isalpha() or c in "@$" for c in folded)


def _is_letter_or_leet(char: str) -> bool:
    return char.isalnum() or char in "@$"


def _lookup_keys(entries: Sequence[WordEntry]) -> Iterator[str]:
    """Every word a message must contain for an exact entry to match it.

    For a phrase that is its first word, and each run-together form (`freemoney` for `free money`,
    which the pattern also accepts).
    """
    for entry in entries:
        for words in entry.readings:
            for length in range(1, len(words) + 1):
                yield "".join(words[:length])
