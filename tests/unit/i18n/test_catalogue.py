import re

from bot.i18n.catalogue import Catalogue


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_english_and_german_hold_the_same_keys() -> None:
    catalogue = Catalogue.load()
    assert catalogue.keys("en") == catalogue.keys("de")


def test_translations_use_the_same_placeholders() -> None:
    catalogue = Catalogue.load()
    for key in catalogue.keys("en"):
        assert _placeholders(catalogue.raw(key, "en")) == _placeholders(catalogue.raw(key, "de")), (
            key
        )


def test_a_regional_locale_uses_its_language_and_an_unknown_one_english() -> None:
    catalogue = Catalogue.load()
    assert catalogue.text("builtin.ping", "de-AT", platform="x", time="t").startswith("pong")
    assert catalogue.raw("roles.manager", "de_CH") == "Community-Manager:innen"
    assert catalogue.raw("roles.manager", "fr") == "manager"
