"""The message catalogue: every user-visible string, in English and German at least.

Keys are dotted (`command.unknown`); texts use `{name}` placeholders. A missing translation falls
back to English; a key missing in English is a bug and raises (a test checks both catalogues hold
the same keys and placeholders).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_LOCALE = "en"


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalogue:
    def __init__(self, texts: dict[str, dict[str, str]]) -> None:
        self._texts = texts

    @classmethod
    def load(cls, directory: Path = HERE) -> Catalogue:
        return _load(directory)

    @property
    def locales(self) -> list[str]:
        return sorted(self._texts)

    def keys(self, locale: str = DEFAULT_LOCALE) -> set[str]:
        return set(self._texts.get(locale, {}))

    def raw(self, key: str, locale: str) -> str:
        table = self._texts.get(base_locale(locale)) or {}
        text = table.get(key)
        if text is None:
            text = self._texts[DEFAULT_LOCALE].get(key)
        if text is None:
            raise KeyError(f"no text for '{key}' in the message catalogue")
        return text

    def text(self, key: str, locale: str = DEFAULT_LOCALE, /, **params: Any) -> str:
        return self.raw(key, locale).format_map(_Default(params))


def base_locale(locale: str) -> str:
    """`de-CH` and `de_AT` use the `de` texts."""
    return locale.replace("_", "-").split("-")[0].lower()


@cache
def _load(directory: Path) -> Catalogue:
    """Files are `<locale>.yaml` or `<feature>.<locale>.yaml`; each feature keeps its own texts."""
    texts: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        locale = path.stem.rsplit(".", 1)[-1]
        table = texts.setdefault(locale, {})
        for key, value in _flatten(data).items():
            if key in table:
                raise ValueError(f"{path.name}: the text key '{key}' is defined twice")
            table[key] = value
    return Catalogue(texts)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, full + "."))
        else:
            out[full] = str(value)
    return out
