"""FAQ matching: confident answers, "did you mean" choices and no match, across scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.faq import FaqBase, load_faq_dir
from knowledge.matching import (
    DEFAULT_ANSWER_THRESHOLD,
    DEFAULT_SUGGEST_THRESHOLD,
    FaqMatcher,
    MatchKind,
)

FIXTURES = Path(__file__).parent / "fixtures" / "faq"


@pytest.fixture(scope="module")
def base() -> FaqBase:
    return load_faq_dir(FIXTURES)


@pytest.fixture(scope="module")
def matcher(base: FaqBase) -> FaqMatcher:
    return FaqMatcher(
        base, answer_threshold=DEFAULT_ANSWER_THRESHOLD, suggest_threshold=DEFAULT_SUGGEST_THRESHOLD
    )


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("how long will delivery take to canada?", "en", "shipping_time"),
        ("WIE LANGE dauert der Versand nach Österreich??", "de", "shipping_time"),
        ("combien de temps pour la livraison", "fr", "shipping_time"),
        ("puedo pagar con PayPal?", "es", "payment_methods"),
        ("gwarancja na słuchawki?", "pl", "warranty"),
        ("какие условия возврата товара", "ru", "return_policy"),
        ("garanti süresi kaç ay", "tr", "warranty"),
        ("ما هي طرق الدفع", "ar", "payment_methods"),
        ("מה מדיניות ההחזרות שלכם", "he", "return_policy"),
        ("반품 규정 알려주세요", "ko", "return_policy"),
        ("保修期是多长时间", "zh", "warranty"),
        ("返品できますか？", "ja", "return_policy"),
        ("รับประกันกี่เดือนคะ", "th", "warranty"),
        ("chinh sach doi tra the nao", "vi", "return_policy"),
        ("berapa lama garansi", "id", "warranty"),
    ],
)
def test_paraphrase_in_buyer_language_is_answered(
    matcher: FaqMatcher, text: str, language: str, expected: str
) -> None:
    """A reworded question (case, accents, punctuation, extra words) gets the right confident answer."""
    found = matcher.match(text, language)
    assert found.kind is MatchKind.ANSWER, found
    assert found.entry_id == expected
    assert found.suggestions[0] == expected


def test_typos_still_match(matcher: FaqMatcher) -> None:
    """Character n-grams tolerate typing mistakes."""
    found = matcher.match("how lnog does delivry take", "en")
    assert (found.kind, found.entry_id) == (MatchKind.ANSWER, "shipping_time")


def test_full_width_characters_match_like_ascii(matcher: FaqMatcher) -> None:
    """Full-width Latin (common on Japanese keyboards) scores exactly like plain ASCII."""
    assert matcher.match("ｐａｙｐａｌで払えますか", "ja") == matcher.match("paypalで払えますか", "ja")


def test_out_of_scope_question_is_not_answered(matcher: FaqMatcher) -> None:
    """Unrelated chit-chat never gets a confident FAQ answer."""
    for text, language in [
        ("tell me a joke", "en"),
        ("wie wird das wetter morgen", "de"),
        ("今天天气怎么样", "zh"),
    ]:
        assert matcher.match(text, language).kind is not MatchKind.ANSWER


def test_text_without_letters_is_no_match(matcher: FaqMatcher) -> None:
    """Emoji or punctuation only yields no match and no choices."""
    found = matcher.match("👍👍 !!", "en")
    assert (found.kind, found.entry_id, found.suggestions) == (MatchKind.NONE, None, ())


def test_other_languages_are_searched_when_the_buyer_language_has_no_answer(matcher: FaqMatcher) -> None:
    """A message in another language than the detected one still finds its entry."""
    found = matcher.match("can i pay with paypal", "de")
    assert (found.kind, found.entry_id) == (MatchKind.ANSWER, "payment_methods")


def test_unknown_language_searches_everything(matcher: FaqMatcher) -> None:
    """An undetermined language code searches all languages without a penalty."""
    found = matcher.match("wie lange dauert der versand", "und")
    assert (found.kind, found.entry_id) == (MatchKind.ANSWER, "shipping_time")


def test_choices_are_offered_between_the_thresholds(base: FaqBase) -> None:
    """Below the answer threshold the best entries are offered, best first, at most three."""
    strict = FaqMatcher(base, answer_threshold=0.99, suggest_threshold=0.05)
    found = strict.match("warranty on the delivery", "en")
    assert found.kind is MatchKind.SUGGEST
    assert found.entry_id is None
    assert 1 <= len(found.suggestions) <= 3
    assert set(found.suggestions[:2]) == {"warranty", "shipping_time"}


def test_scores_rank_the_expected_entry_first(matcher: FaqMatcher) -> None:
    """The per-entry scores used for tuning are sorted best first and lie in 0..1."""
    ranked = matcher.scores("can i return it if it does not fit", "en")
    assert ranked[0][0] == "return_policy"
    assert all(0.0 <= score <= 1.0 for _, score in ranked)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


def test_thresholds_must_be_ordered(base: FaqBase) -> None:
    """A suggest threshold above the answer threshold is a configuration error."""
    with pytest.raises(ValueError, match="thresholds"):
        FaqMatcher(base, answer_threshold=0.3, suggest_threshold=0.6)


@pytest.mark.parametrize("text", ["chính sách đổi trả thế nào", "chinh sach doi tra the nao"])
def test_vietnamese_matches_with_and_without_tone_marks(matcher: FaqMatcher, text: str) -> None:
    """Vietnamese typed with or without tone marks finds the same entry."""
    found = matcher.match(text, "vi")
    assert (found.kind, found.entry_id) == (MatchKind.ANSWER, "return_policy")
