"""Every supported language has every interface string, with the same placeholders as English."""

from __future__ import annotations

import re

import pytest

from escalation.conversation import Action, ActionKind, Reply, ReplyKey
from handlers.i18n import (
    SOURCE_LANGUAGE,
    Translator,
    catalogue_path,
    language_name,
    load_catalogue,
    required_keys,
)
from knowledge.languages import SUPPORTED_LANGUAGES

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalogue_has_every_string_with_matching_placeholders(language: str) -> None:
    """No supported language misses a string, and none drops or invents a placeholder."""
    assert catalogue_path(language).is_file(), f"no catalogue for {language}"
    catalogue = load_catalogue(language)
    english = load_catalogue(SOURCE_LANGUAGE)
    missing = [key for key in required_keys() if not catalogue.get(key, "").strip()]
    assert not missing, f"{language} misses {missing}"
    for key in required_keys():
        assert set(PLACEHOLDER.findall(catalogue[key])) == set(PLACEHOLDER.findall(english[key])), (
            language,
            key,
        )


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_reply_renders_in_every_language(language: str) -> None:
    """Rendering never fails and never shows a raw key."""
    translator = Translator()
    params = {"minutes": 60, "limit": 2000, "agent": "Mia"}
    for key in ReplyKey:
        if key is ReplyKey.FAQ_ANSWER:
            continue
        text = translator.render(Reply(key, language, text="hello", params=params))
        assert text
        assert text != key.value
    assert translator.button(Action(ActionKind.HUMAN), language) != "button_human"
    assert language_name(language)


def test_unknown_language_falls_back_to_english() -> None:
    """A language without a catalogue still gets readable text."""
    assert Translator().gettext("feedback_thanks", "xx") == load_catalogue("en")["feedback_thanks"]
