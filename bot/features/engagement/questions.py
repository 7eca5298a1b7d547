"""Does a message ask something? A pure guess from its words, in English and German.

A message asks when it ends with a question mark or starts with an interrogative (`how`, `wie`,
`can anyone`, `kann jemand` ...). The text is looked at here and never stored.
"""

from __future__ import annotations

import re

INTERROGATIVES = frozenset(
    {
        # English
        "who", "what", "when", "where", "why", "how", "which", "whose", "whom",
        "is", "are", "was", "were", "do", "does", "did", "can", "could", "should", "would",
        "will", "has", "have", "anyone", "anybody", "any",
        # German
        "wer", "wann", "wo", "warum", "wieso", "weshalb", "wie", "welche", "welcher",
        "welches", "wozu", "woher", "wohin", "kann", "können", "könnte", "gibt", "hat", "habt",
        "ist", "sind", "weiß", "weiss", "kennt", "jemand",
    }
)  # fmt: skip
_QUOTE = re.compile(r"^>.*$", re.MULTILINE)
_CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def is_question(text: str) -> bool:
    """True if `text` asks something: a trailing `?` or a leading interrogative word.

    Quoted lines and code are ignored (a pasted `?` in a regex asks nothing); a command asks
    nothing either.
    """
    plain = _CODE.sub(" ", _QUOTE.sub(" ", text)).strip()
    if not plain or plain.startswith(("/", "!")):
        return False
    if plain.rstrip(" )\"'*_").endswith(("?", "？")):
        return True
    first = _WORD.search(plain)
    return first is not None and first.start() < 3 and first.group(0).lower() in INTERROGATIVES
