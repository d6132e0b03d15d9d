"""Language detection: script rules, model vote, reliability and the resolve order."""

from __future__ import annotations

import pytest

from knowledge.language import LanguageDetector, LanguageGuess, _langdetect_voter, normalize_language_code
from knowledge.languages import SUPPORTED_LANGUAGES


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


GERMAN = "Hallo, ich warte seit zwei Wochen auf meine Bestellung und niemand antwortet mir"
FRENCH = "Bonjour, je n'ai toujours pas reçu ma commande et personne ne me répond"


@pytest.mark.parametrize(
    "text", ["", "   ", "🙂👍📦", "42?", "12345 678", "https://example.com/track/77", "!!! ???"]
)
def test_text_without_letters_gives_no_guess(detector: LanguageDetector, text: str) -> None:
    """Empty, emoji-only, digits-only or link-only text yields no language and no reliable guess."""
    guess = detector.detect(text)
    assert guess == LanguageGuess(language=None, confidence=0.0, reliable=False)


@pytest.mark.parametrize(
    "text", ["ok", "danke", "42 EU?", "merci", "thx!", "dziękuję", "спасибо", "감사합니다"]
)
def test_short_replies_are_not_reliable(detector: LanguageDetector, text: str) -> None:
    """One-word replies never count as reliable, whatever their script."""
    assert not detector.detect(text).reliable


@pytest.mark.parametrize(
    ("text", "previous"), [("ok", "de"), ("danke", "fr"), ("42?", "ja"), ("ok 👍", "uk")]
)
def test_short_messages_do_not_flip_the_conversation(
    detector: LanguageDetector, text: str, previous: str
) -> None:
    """A short message keeps the conversation's earlier language."""
    assert detector.resolve(text, previous=previous) == previous


def test_reliable_detection_switches_the_conversation(detector: LanguageDetector) -> None:
    """A full sentence in another language overrides the earlier language and the chat setting."""
    assert detector.resolve(FRENCH, previous="de", chat_language="de") == "fr"


def test_explicit_choice_wins_over_everything(detector: LanguageDetector) -> None:
    """The buyer's explicit choice beats a reliable detection and every hint."""
    assert detector.resolve(GERMAN, explicit="es", previous="fr", chat_language="it") == "es"


def test_explicit_choice_accepts_regional_codes(detector: LanguageDetector) -> None:
    """An explicit "pt-BR" is understood as Portuguese."""
    assert detector.resolve(GERMAN, explicit="pt-BR") == "pt"


def test_unsupported_explicit_choice_is_ignored(detector: LanguageDetector) -> None:
    """An explicit code outside the supported languages falls through to detection."""
    assert detector.resolve(GERMAN, explicit="fi") == "de"


@pytest.mark.parametrize(
    ("chat_language", "expected"), [("pt-br", "pt"), ("zh-hans", "zh"), ("uk", "uk"), ("he", "he")]
)
def test_chat_language_is_used_for_short_first_messages(
    detector: LanguageDetector, chat_language: str, expected: str
) -> None:
    """With no earlier language, a short message follows the chat client's (normalised) setting."""
    assert detector.resolve("ok", chat_language=chat_language) == expected


def test_previous_language_beats_chat_language(detector: LanguageDetector) -> None:
    """The conversation's earlier language is a stronger hint than the client setting."""
    assert detector.resolve("ok", previous="sv", chat_language="en-US") == "sv"


@pytest.mark.parametrize("hint", ["fi", "xx", "", "tlh-Latn", "-"])
def test_unsupported_chat_language_is_ignored(detector: LanguageDetector, hint: str) -> None:
    """A client language we do not support is skipped: the weak detection or fallback decides."""
    assert detector.resolve("grazie mille", chat_language=hint) == "it"
    assert detector.resolve("🙂", chat_language=hint) == "en"


def test_weak_detection_beats_fallback(detector: LanguageDetector) -> None:
    """Without hints, even a short detection is better than the configured fallback."""
    assert detector.resolve("obrigado") == "pt"


def test_fallback_when_nothing_is_known() -> None:
    """No letters and no hints: the configured fallback language."""
    assert LanguageDetector(fallback="de").resolve("👍 42") == "de"


def test_fallback_must_be_supported() -> None:
    """A fallback outside the supported languages is a configuration error."""
    with pytest.raises(ValueError, match="fallback"):
        LanguageDetector(supported=("en", "de"), fallback="fr")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("배송이 언제 도착하나요? 주문한 지 열흘이 지났어요", "ko"),
        ("注文した商品がまだ届いていません", "ja"),
        ("สินค้ายังไม่มาถึงเลยค่ะ สั่งไปนานแล้ว", "th"),
        ("ההזמנה שלי עדיין לא הגיעה, מה קורה איתה", "he"),
        ("لم يصل طلبي حتى الآن، متى سيصل", "ar"),
        ("我的包裹什么时候到", "zh"),
        ("Коли прийде моє замовлення? Чекаю вже тиждень", "uk"),
        ("Когда придёт мой заказ? Жду уже неделю, вы обещали быстрее", "ru"),
    ],
)
def test_script_rules(detector: LanguageDetector, text: str, expected: str) -> None:
    """The Unicode script (and Cyrillic's own letters) names the language of longer messages."""
    guess = detector.detect(text)
    assert guess.language == expected
    assert guess.reliable


def test_non_latin_script_wins_over_latin_brand_names(detector: LanguageDetector) -> None:
    """Product names in Latin letters do not turn a Russian message into a Latin-script language."""
    assert detector.detect("Samsung Galaxy S24 Ultra заказ не пришел").language == "ru"


def test_kana_marks_japanese_even_among_kanji(detector: LanguageDetector) -> None:
    """Han characters with any kana are Japanese, not Chinese."""
    assert detector.detect("配送状況を確認したい").language == "ja"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GERMAN, "de"),
        (FRENCH, "fr"),
        ("Hola, mi pedido todavía no ha llegado y ya pasaron tres semanas", "es"),
        ("Olá, o meu pedido ainda não chegou e já se passaram três semanas", "pt"),
        ("Ciao, il mio ordine non è ancora arrivato, potete controllare?", "it"),
        ("Hoi, mijn bestelling is nog steeds niet aangekomen, kunnen jullie kijken?", "nl"),
        ("Dzień dobry, moje zamówienie jeszcze nie dotarło, proszę o sprawdzenie", "pl"),
        ("Merhaba, siparişim hâlâ gelmedi, kontrol edebilir misiniz?", "tr"),
        ("Xin chào, đơn hàng của tôi vẫn chưa được giao, shop kiểm tra giúp", "vi"),
        ("Halo, pesanan saya belum sampai juga, tolong dicek ya kak", "id"),
        ("Hej, min beställning har fortfarande inte kommit fram, kan ni kolla?", "sv"),
        ("Hi, my order still hasn't arrived, could you please check the tracking?", "en"),
    ],
)
def test_latin_languages_are_told_apart(detector: LanguageDetector, text: str, expected: str) -> None:
    """Full buyer sentences in each Latin-script language are detected reliably."""
    guess = detector.detect(text)
    assert guess.language == expected
    assert guess.reliable


@pytest.mark.parametrize("text", ["que se encontra", "de la casa", "не буде", "hej hej", "中国", "ok"])
def test_detection_is_deterministic(detector: LanguageDetector, text: str) -> None:
    """Ambiguous snippets get the same answer every time and from every detector instance."""
    first = detector.detect(text)
    assert all(detector.detect(text) == first for _ in range(5))
    assert LanguageDetector().detect(text) == first


def test_detection_is_restricted_to_supported_languages() -> None:
    """A detector for a subset never answers outside it, even for another script."""
    restricted = LanguageDetector(supported=("en", "de"))
    for text in ["Bonjour, où est mon colis ?", "배송이 언제 도착하나요", "Когда придёт заказ"]:
        assert restricted.detect(text).language in {"en", "de"}


def test_every_detected_language_is_supported(detector: LanguageDetector) -> None:
    """The default detector answers only with the project's supported languages."""
    texts = ["Grüß Gott", "gracias amigo", "Ну и где посылка", "ça va", "ﷺ", "Ελληνικά κείμενα εδώ"]
    for text in texts:
        assert detector.detect(text).language in {*SUPPORTED_LANGUAGES, None}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("pt-BR", "pt"),
        ("zh-hans", "zh"),
        ("zh_TW", "zh"),
        ("EN", "en"),
        ("iw", "he"),
        ("in", "id"),
        ("fi", None),
        (None, None),
    ],
)
def test_normalize_language_code(code: str | None, expected: str | None) -> None:
    """Client codes map to supported base codes; unknown ones to None."""
    assert normalize_language_code(code) == expected


def test_langdetect_fallback_voter_is_deterministic() -> None:
    """The langdetect fallback, restricted to the given languages, answers the same way every time."""
    voter = _langdetect_voter(frozenset({"en", "de", "fr", "zh"}))
    assert voter is not None
    scores = [voter.score("Wo ist mein Paket, ich warte schon lange") for _ in range(3)]
    assert scores[0] == scores[1] == scores[2]
    assert max(scores[0], key=lambda code: scores[0][code]) == "de"
    assert set(scores[0]) <= {"en", "de", "fr", "zh"}
