"""The structured-answer facade over the sample data: answers, None for vague questions, validation."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from knowledge.content import ContentError
from knowledge.countries import SAMPLE_DATA_DIR
from knowledge.duty import Money
from knowledge.languages import SUPPORTED_LANGUAGES
from knowledge.structured import StructuredData, check_data_dir


@pytest.fixture(scope="module")
def data() -> StructuredData:
    return StructuredData.load(SAMPLE_DATA_DIR)


def test_sample_data_is_valid() -> None:
    """The shipped sample directory has no problems."""
    assert check_data_dir(SAMPLE_DATA_DIR) == []


def test_size_question_gets_the_chart_row(data: StructuredData) -> None:
    """ "EU 42 in US?" answers with the converted size and the whole chart row."""
    answer = data.answer("I wear 42 EU, which US size?", "en", None)
    assert answer is not None
    assert (answer.kind, answer.faq_id) == ("sizes", "size_conversion_eu_us")
    assert "EU 42 → US 8.5" in answer.text
    assert "EU 42 · US 8.5 · UK 7.5" in answer.text


def test_shipping_question_names_the_country_and_its_range(data: StructuredData) -> None:
    """ "wie lange nach Brasilien?" gets Brazil's own delivery range in German."""
    answer = data.answer("wie lange nach Brasilien?", "de", None)
    assert answer is not None
    assert answer.faq_id == "shipping_time"
    assert "Brasilien" in answer.text
    assert "15–30" in answer.text


def test_shipping_question_in_japanese(data: StructuredData) -> None:
    """ "ブラジルまで何日?" is a shipping-time question about Brazil."""
    answer = data.answer("ブラジルまで何日?", "ja", None)
    assert answer is not None
    assert answer.faq_id == "shipping_time"
    assert "ブラジル" in answer.text


def test_buyers_country_is_used_when_the_text_names_none(data: StructuredData) -> None:
    """ "送料いくら?" from a buyer in Japan gets Japan's costs."""
    answer = data.answer("送料いくら？", "ja", "JP")
    assert answer is not None
    assert answer.faq_id == "shipping_cost"
    assert "日本" in answer.text


def test_duty_estimate_is_itemised_with_rule_and_disclaimer(data: StructuredData) -> None:
    """A dress of 120 USD to Germany: duty-free under 150 EUR, 19 % VAT, shipped DDP."""
    answer = data.answer("dress 120 USD to Germany, how much tax?", "en", None)
    assert answer is not None
    assert (answer.kind, answer.faq_id) == ("duty", "customs_duty")
    assert "0.00 USD (exempt up to 150 EUR)" in answer.text
    assert "19 %: 22.80 USD" in answer.text
    assert "DDP" in answer.text
    assert "source: https://" in answer.text
    assert "not a customs decision" in answer.text


def test_duty_estimate_in_arabic(data: StructuredData) -> None:
    """The Arabic question from the issue is understood: dress, 120 dollars, Germany."""
    answer = data.answer("كم الضريبة على فستان 120 دولار إلى ألمانيا", "ar", None)
    assert answer is not None
    assert answer.kind == "duty"
    assert "فستان" in answer.text
    assert "ألمانيا" in answer.text
    assert "22.80 USD" in answer.text


def test_vat_only_question_with_amount_maps_to_vat_included(data: StructuredData) -> None:
    """Asking only about VAT on a concrete amount is answered under `vat_included`."""
    answer = data.answer("MwSt auf 80 € nach Deutschland?", "de", None)
    assert answer is not None
    assert answer.faq_id == "vat_included"


@pytest.mark.parametrize(
    ("text", "language", "country"),
    [
        ("do you ship to south africa?", "en", None),
        ("how long does shipping take?", "en", None),
        ("will I pay customs in Canada?", "en", None),
        ("is the price incl. VAT?", "en", "DE"),
        ("do the sneakers run small? I'm usually a 39", "en", None),
        ("my parcel has been stuck at customs for 10 days", "en", "DE"),
        ("when will my order 3390 ship?", "en", "US"),
        ("hello, can I pay with PayPal?", "en", "US"),
    ],
)
def test_vague_questions_are_left_to_the_faq(
    data: StructuredData, text: str, language: str, country: str | None
) -> None:
    """No number with a system, no country for shipping, or no amount for tax: None."""
    assert data.answer(text, language, country) is None


def test_placeholders_for_a_known_country(data: StructuredData) -> None:
    """FAQ placeholders are filled from the country's rows, in the buyer's language."""
    values = data.placeholders("de", "DE")
    assert values["country"] == "Deutschland"
    assert values["shipping_days"] == "6–10"
    assert values["vat_rate"] == "19 %"
    assert values["duty_free_threshold"] == "150 EUR"
    assert set(values) == set().union(*data.placeholder_names.values())


def test_placeholders_without_country_use_the_default_row(data: StructuredData) -> None:
    """Unknown buyers get the default shipping row and a neutral wording for tax rates."""
    values = data.placeholders("en", None)
    assert (values["shipping_days"], values["shipping_cost"], values["free_shipping_over"]) == (
        "7–15",
        "4.90 USD",
        "50.00 USD",
    )
    assert values["vat_rate"] == "depends on the country"


def test_every_language_gets_an_answer_in_its_own_words(data: StructuredData) -> None:
    """The same size question gets a distinct, translated answer in each of the 20 languages."""
    texts = []
    for language in SUPPORTED_LANGUAGES:
        answer = data.answer("EU 42 → US?", language, None)
        assert answer is not None, language
        texts.append(answer.text)
    assert len(set(texts)) == len(SUPPORTED_LANGUAGES)


# --- validation: every mistake kind is reported as file:line -------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(SAMPLE_DATA_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` and return the 1-based line where it stood."""
    text = path.read_text(encoding="utf-8")
    index = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text.count("\n", 0, index) + 1


def _messages(data_dir: Path) -> list[str]:
    return [str(p) for p in check_data_dir(data_dir)]


def test_size_row_with_wrong_length_is_reported(data_dir: Path) -> None:
    """A chart row with a missing value names its line."""
    path = data_dir / "sizes.yaml"
    line = _edit(path, "- [39, 8, 5.5, 25, 39, 250, 25]", "- [39, 8, 5.5, 25, 39, 250]")
    assert any(
        m.startswith(f"{path}:{line}: categories.shoes_women.rows[7] has 6 values")
        for m in _messages(data_dir)
    )


def test_unknown_size_system_in_columns_is_reported(data_dir: Path) -> None:
    """A typo in a column id is caught."""
    path = data_dir / "sizes.yaml"
    line = _edit(path, "columns: [us, uk, eu, jp, cn, cm]", "columns: [us, uk, eu, jp, cn, mm]")
    assert any(
        m.startswith(f"{path}:{line}: categories.rings.columns: unknown size system 'mm'")
        for m in _messages(data_dir)
    )


def test_missing_category_name_language_is_reported(data_dir: Path) -> None:
    """Display names must exist in all 20 languages."""
    path = data_dir / "sizes.yaml"
    line = _edit(path, "names: {en: rings, de: Ringe,", "names: {en: rings,")
    assert any(
        m.startswith(f"{path}:{line}: categories.rings.names is missing language(s): de")
        for m in _messages(data_dir)
    )


def test_size_word_shared_by_two_systems_is_reported(data_dir: Path) -> None:
    """One word cannot stand for two size systems in the same language."""
    path = data_dir / "sizes.yaml"
    line = _edit(path, "      en: [uk, british]", "      en: [uk, british, american]")
    assert any(
        m.startswith(f"{path}:{line}: systems.uk.words.en: 'american' is also a word of system 'us'")
        for m in _messages(data_dir)
    )


def test_unknown_key_typo_is_reported(data_dir: Path) -> None:
    """A misspelt key in a shipping row is not silently ignored."""
    path = data_dir / "shipping.yaml"
    line = _edit(path, "  US: {standard: {days: [6, 12]}", "  US: {standard: {dayz: [6, 12]}")
    assert any(m.startswith(f"{path}:{line}: unknown key 'dayz'") for m in _messages(data_dir))


def test_yaml_syntax_error_is_reported_with_its_line(data_dir: Path) -> None:
    """Broken YAML points at the line the parser stopped on."""
    path = data_dir / "duty.yaml"
    line = _edit(path, "as_of: 2025-09-01", "as_of: [2025-09-01")
    messages = _messages(data_dir)
    assert any(m.startswith(f"{path}:") and "YAML syntax error" in m for m in messages)
    assert line > 0


def test_template_with_unknown_placeholder_is_reported(data_dir: Path) -> None:
    """A template may only use the placeholders its key provides."""
    path = data_dir / "templates.yaml"
    line = _edit(
        path,
        "{shipping_days} Werktage ({shipping_cost}, gratis",
        "{shipping_dayz} Werktage ({shipping_cost}, gratis",
    )
    assert any(
        m.startswith(f"{path}:{line}: templates.de.shipping_time: unknown placeholder {{shipping_dayz}}")
        for m in _messages(data_dir)
    )


def test_missing_template_language_is_reported(data_dir: Path) -> None:
    """All 20 languages need their answer texts."""
    path = data_dir / "templates.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("\nsv:\n"), len(text)
    path.write_text(text[: start + 1] + text[end:], encoding="utf-8")
    assert any(
        m.startswith(f"{path}:") and "templates missing language(s): sv" in m for m in _messages(data_dir)
    )


def test_alias_for_unknown_country_is_reported(data_dir: Path) -> None:
    """Aliases must point at real ISO codes."""
    path = data_dir / "countries.yaml"
    line = _edit(
        path,
        "    US: [usa, u.s., america, the states, the us]",
        "    UX: [usa, u.s., america, the states, the us]",
    )
    assert any(m.startswith(f"{path}:{line}: unknown country code 'UX'") for m in _messages(data_dir))


def test_missing_and_unknown_files_are_reported(data_dir: Path) -> None:
    """A missing required file and a misnamed extra file are both reported."""
    (data_dir / "shipping.yaml").rename(data_dir / "shiping.yaml")
    messages = _messages(data_dir)
    assert f"{data_dir / 'shipping.yaml'}:1: required data file is missing" in messages
    assert any(m.startswith(f"{data_dir / 'shiping.yaml'}:1: unknown data file") for m in messages)


def test_load_raises_with_all_problems(data_dir: Path) -> None:
    """`load` refuses invalid data and carries every problem, not only the first."""
    _edit(data_dir / "sizes.yaml", "columns: [us, uk, eu, jp, cn, cm]", "columns: [us, uk, eu, jp, cn, mm]")
    _edit(data_dir / "shipping.yaml", "  US: {standard: {days: [6, 12]}", "  US: {standard: {dayz: [6, 12]}")
    with pytest.raises(ContentError) as caught:
        StructuredData.load(data_dir)
    assert len(caught.value.problems) >= 2


def test_when_question_needs_a_country_and_a_shipping_word(data: StructuredData) -> None:
    """ "when would it arrive in Australia" is a time question; "when is the sale" is not."""
    answer = data.answer("when would it arrive if I order to Australia?", "en", None)
    assert answer is not None
    assert answer.faq_id == "shipping_time"
    assert data.answer("when does the sale start in Australia?", "en", None) is None


def test_questions_about_the_buyers_own_order_are_left_alone(data: StructuredData) -> None:
    """ "when will my order arrive in Brazil" is order status, not a delivery-time question."""
    assert data.answer("when will my order arrive in Brazil?", "en", None) is None
    assert data.answer("Wann kommt meine Bestellung in Brasilien an?", "de", None) is None


def test_vat_term_containing_the_word_tax_asks_about_vat(data: StructuredData) -> None:
    """ "消费税" contains "税", yet the question is about VAT, not customs duty."""
    answer = data.answer("韓国へ90ユーロのバッグの消費税は？", "ja", None)
    assert answer is not None
    assert answer.faq_id == "vat_included"


def test_shipping_fee_phrase_is_not_a_customs_question(data: StructuredData) -> None:
    """ "رسوم التوصيل" (delivery fees) shares "رسوم" with customs fees but asks the shipping cost."""
    answer = data.answer("كم رسوم التوصيل للبحرين؟", "ar", None)
    assert answer is not None
    assert answer.faq_id == "shipping_cost"


def test_amount_with_a_number_word_is_scaled(data: StructuredData) -> None:
    """ "30만원" is 300,000 KRW and "1,5 juta rupiah" 1,500,000 IDR."""
    assert data.duty.find_amount("30만원짜리 휴대폰", "ko") == Money(Decimal(300000), "KRW")
    assert data.duty.find_amount("sepatu 1,5 juta rupiah", "id") == Money(Decimal("1500000.0"), "IDR")
    assert data.duty.find_amount("telefon för 3000 kr", "sv") == Money(Decimal(3000), "SEK")


def test_size_with_a_country_in_a_shipping_question_is_not_converted(data: StructuredData) -> None:
    """ "Größe 38, Versand nach Japan?": Japan is where it goes, not the size system asked for."""
    assert data.answer("Ich brauche Größe 38, wie lange dauert der Versand nach Japan?", "de", None) is None


def test_bad_multiplier_is_reported(data_dir: Path) -> None:
    """A number word with a factor that is not a whole number above 1 names its line."""
    line = _edit(data_dir / "duty.yaml", "  k: 1000", "  k: 0.5")
    assert (
        f"{data_dir / 'duty.yaml'}:{line}: multipliers.k must be a whole number above 1, got 0.5"
        in _messages(data_dir)
    )
