"""Emoji as Slack names them (`thumbsup`) and as the core names them (the character, `👍`).

Features speak Unicode; Slack's reactions API speaks short names. This table covers the emoji
Porch's features and playbooks use plus the common reactions people add; an emoji outside it
travels as `:name:` in both directions, so nothing is lost, only left unnormalized.
"""

from __future__ import annotations

_NAMES: dict[str, str] = {
    "👍": "thumbsup",
    "👎": "thumbsdown",
    "❤️": "heart",
    "🎉": "tada",
    "👀": "eyes",
    "✅": "white_check_mark",
    "❌": "x",
    "👋": "wave",
    "🙏": "pray",
    "🙌": "raised_hands",
    "👏": "clap",
    "😄": "smile",
    "😂": "joy",
    "🔥": "fire",
    "🚀": "rocket",
    "💯": "100",
    "❓": "question",
    "⚠️": "warning",
    "⭐": "star",
    "💡": "bulb",
    "🤔": "thinking_face",
    "👌": "ok_hand",
    "🚩": "triangular_flag_on_post",
    "📌": "pushpin",
    "🗑️": "wastebasket",
    "1️⃣": "one",
    "2️⃣": "two",
    "3️⃣": "three",
    "4️⃣": "four",
    "5️⃣": "five",
    "6️⃣": "six",
    "7️⃣": "seven",
    "8️⃣": "eight",
    "9️⃣": "nine",
    "🔟": "keycap_ten",
}
_ALIASES: dict[str, str] = {"+1": "👍", "-1": "👎", "white_heart": "🤍"}
_CHARS: dict[str, str] = {name: char for char, name in _NAMES.items()} | _ALIASES


def slack_name(emoji: str) -> str:
    """The reaction name Slack expects for `emoji` (`👍` -> `thumbsup`, `:tada:` -> `tada`)."""
    if emoji in _NAMES:
        return _NAMES[emoji]
    stripped = emoji.strip(":")
    if stripped in _CHARS or stripped.isascii():
        return stripped
    bare = emoji.replace("\ufe0f", "")
    for char, name in _NAMES.items():
        if char.replace("\ufe0f", "") == bare:
            return name
    return stripped


def from_slack(name: str) -> str:
    """The character for a Slack reaction name; unknown names stay `:name:`.

    Skin tones (`thumbsup::skin-tone-2`) are dropped: a 👍 is a 👍 to every feature.
    """
    base = name.split("::", 1)[0]
    return _CHARS.get(base, f":{base}:")
