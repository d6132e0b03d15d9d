"""Size conversion from the sample charts: categories, systems, languages and when not to answer."""

from __future__ import annotations

import pytest

from knowledge.content import ProblemCollector
from knowledge.countries import SAMPLE_DATA_DIR
from knowledge.sizes import SizeConversion, SizeTables, load_sizes


@pytest.fixture(scope="module")
def sizes() -> SizeTables:
    collector = ProblemCollector("sizes.yaml")
    tables = load_sizes(SAMPLE_DATA_DIR / "sizes.yaml", collector)
    assert tables is not None
    assert not collector.problems
    return tables


def _pairs(conversions: list[SizeConversion]) -> dict[str, str]:
    return {c.chart.id: f"{c.target} {c.chart.value(c.row, c.target)}" for c in conversions}


def test_women_shoe_size_is_converted_when_gender_is_named(sizes: SizeTables) -> None:
    """ "women US 8 in EU" picks the women's chart only."""
    assert _pairs(sizes.convert("women US 8 in EU?", "en")) == {"shoes_women": "eu 39"}


def test_men_shoe_size_is_converted_when_gender_is_named(sizes: SizeTables) -> None:
    """A German "Herren" question converts with the men's chart."""
    assert _pairs(sizes.convert("Herrenschuhe EU 42, welche US Größe?", "de")) == {"shoes_men": "us 8.5"}


def test_kids_chart_is_used_only_when_kids_are_mentioned(sizes: SizeTables) -> None:
    """Kids' sizes overlap adult numbers, so they appear only on request."""
    assert "shoes_kids" not in _pairs(sizes.convert("EU 24 in US", "en"))
    assert _pairs(sizes.convert("kids shoes EU 24 in US", "en")) == {"shoes_kids": "us 7.5"}


def test_without_a_category_every_matching_shoe_chart_is_listed(sizes: SizeTables) -> None:
    """ "EU 42 → US" lists women's and men's rows, since both exist."""
    assert _pairs(sizes.convert("I wear 42 EU, which US size?", "en")) == {
        "shoes_women": "us 10",
        "shoes_men": "us 8.5",
    }


def test_clothing_and_ring_charts_are_chosen_by_product_word(sizes: SizeTables) -> None:
    """A dress uses the tops chart, jeans the bottoms chart and a ring the ring chart."""
    assert _pairs(sizes.convert("dress EU 38 in US?", "en")) == {"tops": "us 6"}
    assert _pairs(sizes.convert("jeans US 32 in EU", "en")) == {"bottoms": "eu 48"}
    assert _pairs(sizes.convert("ring size US 7 in EU?", "en")) == {"rings": "eu 54"}


@pytest.mark.parametrize(
    ("text", "language", "target"),
    [
        ("US 8 ist welche EU Größe?", "de", "eu 39"),
        ("un 8 US ça fait quoi en pointure européenne", "fr", "eu 39"),
        ("un 8 de usa cuánto es en talla europea", "es", "eu 39"),
        ("мне нужен американский 8, это какой европейский?", "ru", "eu 39"),
        ("مقاس ٨ امريكي كم يعادل اوروبي", "ar", "eu 39"),
        ("US8は日本サイズで何センチ？", "ja", "jp 25"),
        ("美码8是国内多少码", "zh", "cn 39"),
        ("US 8 한국 사이즈로 몇이에요", "ko", "kr 250"),
        ("ไซส์ US 8 เท่ากับ EU เท่าไหร่", "th", "eu 39"),
    ],
)
def test_size_questions_are_understood_in_many_languages(
    sizes: SizeTables, text: str, language: str, target: str
) -> None:
    """System words and link words per language pair the number with its system."""
    assert _pairs(sizes.convert(text, language))["shoes_women"] == target


def test_only_one_system_named_uses_the_languages_usual_system(sizes: SizeTables) -> None:
    """A Japanese buyer asking about "US 8" gets the JP size."""
    conversions = sizes.convert("US 8は？", "ja")
    assert {c.target for c in conversions} == {"jp"}


def test_size_between_rows_uses_the_closest_row(sizes: SizeTables) -> None:
    """EU 37 is between 36.5 and 37.5; the larger row is offered and marked inexact."""
    conversion = next(c for c in sizes.convert("women EU 37 in US", "en") if c.chart.id == "shoes_women")
    assert not conversion.exact
    assert conversion.chart.value(conversion.row, "eu") == "37.5"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("do the boots run small? I usually wear 39", "en"),
        ("fallen die Stiefel klein aus? trage normal 39", "de"),
        ("eu uso 38, serve?", "pt"),
        ("what sizes do you have in EU?", "en"),
        ("EU 99 in US", "en"),
        ("order 3390 to the US", "en"),
    ],
)
def test_question_without_number_and_system_is_not_concrete(
    sizes: SizeTables, text: str, language: str
) -> None:
    """A bare number, a system without a number or a size no chart has gives no conversion."""
    assert sizes.convert(text, language) == []


def test_size_word_number_is_read_in_the_buyers_home_system(sizes: SizeTables) -> None:
    """ "Ich habe Schuhgröße 43, was ist das in US?" is EU 43 for a German buyer, marked as inferred."""
    conversions = sizes.convert("Ich habe Schuhgröße 43, was ist das in US?", "de")
    assert conversions
    assert all(c.source == "eu" and c.target == "us" and c.inferred for c in conversions)


def test_size_word_number_without_any_system_stays_unanswered(sizes: SizeTables) -> None:
    """ "I wear size 39" names no system at all, so there is nothing to convert to."""
    assert sizes.convert("I wear size 39, is it true to size?", "en") == []


def test_latin_system_abbreviation_next_to_cjk_text_is_found(sizes: SizeTables) -> None:
    """ "EU42はUSサイズで" : kana right after "US" does not hide the abbreviation."""
    conversions = sizes.convert("EU42はUSサイズでいくつですか？", "ja")
    assert conversions
    assert {c.target for c in conversions} == {"us"}


def test_arabic_adjective_with_article_is_a_size_system(sizes: SizeTables) -> None:
    """ "مقاس 42 الأوروبي ... بالأمريكي": the article and the بال prefix belong to the system word."""
    conversions = sizes.convert("مقاس 42 الأوروبي كم يساوي بالأمريكي؟", "ar")
    assert conversions
    assert {(c.source, c.target, c.inferred) for c in conversions} == {("eu", "us", False)}
