"""Text normalisation and tokenisation shared by FAQ phrasings and buyer messages."""

from __future__ import annotations

import pytest

from knowledge.normalize import char_ngrams, normalize, word_tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wie lange dauert der VERSAND nach Österreich?", "wie lange dauert der versand nach osterreich"),
        ("ＰａｙＰａｌ　ＯＫ？", "paypal ok"),
        ("doesn't it ship?? 😀", "doesnt it ship"),
        ("GÜMRÜK vergisi ödüyor muyum", "gumruk vergisi oduyor muyum"),
        ("cước phí vận chuyển đến Hà Nội", "cuoc phi van chuyen den ha noi"),
        ("Łódź", "lodz"),
        ("ещё", "еще"),
        ("مقاس ٣٩ أوروبي", "مقاس 39 اوروبي"),
        ("  many   spaces\n\there ", "many spaces here"),
    ],
)
def test_normalize_folds_case_width_accents_digits_and_punctuation(raw: str, expected: str) -> None:
    """Buyers' spelling variants normalise to the same text as the FAQ phrasing."""
    assert normalize(raw) == expected


def test_normalize_keeps_marks_that_are_part_of_the_letter() -> None:
    """Japanese voiced kana, Korean syllables and Thai vowels survive normalisation."""
    assert normalize("ガイド") == "ガイド"
    assert normalize("배송비") == "배송비"
    assert normalize("ส่งฟรี") == "ส่งฟรี"


def test_unspaced_scripts_become_character_bigrams() -> None:
    """Chinese text without spaces is split into overlapping character pairs."""
    assert word_tokens("运费多少") == ["运费", "费多", "多少"]
    assert word_tokens("送") == ["送"]


def test_mixed_script_text_tokenises_each_run_its_own_way() -> None:
    """Latin words inside Japanese stay words; the kana/kanji run becomes bigrams."""
    assert word_tokens(normalize("LサイズのJacket")) == ["l", "jacket", "サイ", "イズ", "ズの"]


def test_char_ngrams_share_most_grams_despite_inflection() -> None:
    """Inflected forms of a word share most boundary-marked trigrams."""
    returns, returned = set(char_ngrams("returns")), set(char_ngrams("returned"))
    assert {" re", "ret", "etu", "tur", "urn"} <= returns & returned


def test_char_ngrams_of_han_are_unigrams_and_bigrams() -> None:
    """Han runs give single characters (often whole words) and character pairs."""
    assert char_ngrams("保修") == ["保", "修", "保修"]


@pytest.mark.parametrize(
    "raw", ["Can't I pay w/ PayPal?!", "  EU-42 -> US_9 ", "#1 (best) [deal] {x}", "a'b`c~d"]
)
def test_ascii_shortcut_agrees_with_the_general_path(raw: str) -> None:
    """Plain-ASCII text normalises exactly as it would through the full Unicode path."""
    general = normalize(raw + " é")
    assert general.endswith(" e")
    assert normalize(raw) == general[:-2]


def test_keep_accents_keeps_tone_marks_but_folds_the_rest() -> None:
    """With keep_accents the marks stay; case, width and punctuation are still folded."""
    assert normalize("Đấu, ĐẦU?", keep_accents=True) == "đấu đầu"
    assert normalize("Đấu, ĐẦU?") == "dau dau"
