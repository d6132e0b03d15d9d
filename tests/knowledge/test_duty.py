"""Duty and VAT estimate arithmetic, amount parsing and duty.yaml validation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from knowledge.content import ProblemCollector
from knowledge.duty import DutyTable, Money, load_duty

_LANGUAGES = [
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "pl",
    "ru",
    "uk",
    "tr",
    "ar",
    "he",
    "ja",
    "ko",
    "zh",
    "th",
    "vi",
    "id",
    "sv",
]
_KEYWORDS = "keywords:\n  customs:\n" + "".join(f"    {lang}: [customs]\n" for lang in _LANGUAGES)
_KEYWORDS += "  vat:\n" + "".join(f"    {lang}: [vat]\n" for lang in _LANGUAGES)

FIXTURE = (
    "as_of: 2025-09-01\n"
    "base_currency: USD\n"
    "exchange_rates: {USD: 1, EUR: 0.8}\n"
    "currency_words: {USD: [usd, $, dollar], EUR: [eur, €, euro]}\n"
    "products:\n"
    "  clothing: {en: [dress]}\n"
    "countries:\n"
    "  DE:\n"
    "    vat: 20\n"
    "    duty_free_up_to: 100 EUR\n"
    "    duty: {clothing: 10, default: 5}\n"
    "    terms: DDP\n"
    "    source: https://example.org/eu\n"
    "  US:\n"
    "    vat: 0\n"
    "    duty_free_up_to: 0 USD\n"
    "    duty: {default: 10}\n"
    "    terms: DDU\n"
    "    source: https://example.org/us\n"
    "  UA:\n"
    "    vat: 20\n"
    "    vat_free_up_to: 100 EUR\n"
    "    duty_free_up_to: 100 EUR\n"
    "    duty: {default: 10}\n"
    "    duty_base: excess\n"
    "    terms: DDU\n"
    "    source: https://example.org/ua\n"
    "  BR:\n"
    "    vat: 0\n"
    "    duty_free_up_to: 0 USD\n"
    "    duty: {default: 60}\n"
    "    low_value: {up_to: 50 USD, duty: 20}\n"
    "    terms: DDU\n"
    "    source: https://example.org/br\n"
) + _KEYWORDS


@pytest.fixture
def table(tmp_path: Path) -> DutyTable:
    path = tmp_path / "duty.yaml"
    path.write_text(FIXTURE, encoding="utf-8")
    collector = ProblemCollector(str(path))
    loaded = load_duty(path, collector)
    assert not collector.problems, collector.problems
    assert loaded is not None
    return loaded


def test_below_the_duty_free_threshold_only_vat_is_due(table: DutyTable) -> None:
    """100 USD (80 EUR) to DE is under 100 EUR: no duty, 20 % VAT on the value."""
    estimate = table.estimate(Money(Decimal(100), "USD"), "DE", "clothing")
    assert estimate is not None
    assert (estimate.duty_exempt, estimate.duty, estimate.vat) == (True, Decimal(0), Decimal("20.00"))
    assert estimate.rule.terms == "DDP"


def test_above_the_threshold_duty_is_added_and_vat_is_charged_on_it(table: DutyTable) -> None:
    """200 EUR of clothing: 10 % duty = 20, VAT 20 % of 220 = 44, total 64."""
    estimate = table.estimate(Money(Decimal(200), "EUR"), "DE", "clothing")
    assert estimate is not None
    assert (estimate.duty, estimate.vat, estimate.total) == (
        Decimal("20.00"),
        Decimal("44.00"),
        Decimal("64.00"),
    )


def test_unknown_category_uses_the_default_duty_rate(table: DutyTable) -> None:
    """Without a product word the country's default rate applies."""
    estimate = table.estimate(Money(Decimal(200), "EUR"), "DE", None)
    assert estimate is not None
    assert estimate.duty_rate == Decimal(5)


def test_without_threshold_duty_is_due_from_the_first_cent_ddu(table: DutyTable) -> None:
    """A 0 USD threshold (US after de minimis) charges duty on any value; the buyer pays (DDU)."""
    estimate = table.estimate(Money(Decimal(30), "USD"), "US", None)
    assert estimate is not None
    assert (estimate.duty_exempt, estimate.duty, estimate.vat) == (False, Decimal("3.00"), Decimal(0))
    assert estimate.rule.terms == "DDU"


def test_excess_rule_taxes_only_the_part_above_the_threshold(table: DutyTable) -> None:
    """300 EUR to UA with a 100 EUR limit: duty 10 % of 200 = 20, VAT 20 % of 220 = 44."""
    estimate = table.estimate(Money(Decimal(300), "EUR"), "UA", None)
    assert estimate is not None
    assert (estimate.duty, estimate.vat) == (Decimal("20.00"), Decimal("44.00"))


def test_low_value_rate_applies_up_to_its_limit(table: DutyTable) -> None:
    """Brazil-style: 20 % up to 50 USD, 60 % above."""
    low = table.estimate(Money(Decimal(40), "USD"), "BR", None)
    high = table.estimate(Money(Decimal(100), "USD"), "BR", None)
    assert low is not None
    assert high is not None
    assert (low.duty, high.duty) == (Decimal("8.00"), Decimal("60.00"))


def test_country_without_rule_gives_no_estimate(table: DutyTable) -> None:
    """Countries missing from duty.yaml are left to the FAQ."""
    assert table.estimate(Money(Decimal(100), "USD"), "JP", None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dress 120 USD to Germany", Money(Decimal(120), "USD")),
        ("$1,200.50 laptop", Money(Decimal("1200.50"), "USD")),
        ("Kleid 1.200,50 € nach DE", Money(Decimal("1200.50"), "EUR")),
        ("99,90€", Money(Decimal("99.90"), "EUR")),
        ("120 dollars", Money(Decimal(120), "USD")),
    ],
)
def test_amount_and_currency_are_read_as_the_buyer_wrote_them(
    table: DutyTable, text: str, expected: Money
) -> None:
    """Symbols before or after, words, thousands separators and decimal commas are understood."""
    assert table.find_amount(text, "en") == expected


def test_number_without_currency_is_not_an_amount(table: DutyTable) -> None:
    """ "held at customs for 10 days" does not become a 10 USD parcel."""
    assert table.find_amount("held at customs for 10 days", "en") is None


def test_product_word_gives_category_and_the_buyers_word(table: DutyTable) -> None:
    """The estimate names the item the way the buyer did."""
    assert table.product("a Dress for 50 EUR", "en") == ("clothing", "Dress")


def test_duty_mistakes_are_reported_with_their_line(tmp_path: Path) -> None:
    """Bad rates, amounts, terms, categories and currencies each name their own line."""
    broken = (
        FIXTURE.replace(
            "    vat: 20\n    duty_free_up_to: 100 EUR", "    vat: 120\n    duty_free_up_to: 100 euros", 1
        )
        .replace("duty: {clothing: 10, default: 5}", "duty: {hats: 10, default: 5}")
        .replace("terms: DDP", "terms: FOB")
        .replace(
            "duty_free_up_to: 0 USD\n    duty: {default: 10}",
            "duty_free_up_to: 0 XYZ\n    duty: {default: 10}",
        )
    )
    path = tmp_path / "duty.yaml"
    path.write_text(broken, encoding="utf-8")
    collector = ProblemCollector(str(path))
    load_duty(path, collector)
    problems = [str(p) for p in collector.problems]
    lines = broken.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, start=1) if fragment in line)

    assert any(
        p.startswith(f"{path}:{line_of('vat: 120')}: countries.DE.vat must be a percentage") for p in problems
    )
    assert any(
        p.startswith(f"{path}:{line_of('100 euros')}: countries.DE.duty_free_up_to must be written")
        for p in problems
    )
    assert any(
        p.startswith(f"{path}:{line_of('hats')}: countries.DE.duty: unknown product category 'hats'")
        for p in problems
    )
    assert any(
        p.startswith(f"{path}:{line_of('FOB')}: countries.DE.terms must be DDP or DDU") for p in problems
    )
    assert any(
        p.startswith(f"{path}:{line_of('0 XYZ')}: countries.US.duty_free_up_to: currency XYZ")
        for p in problems
    )
