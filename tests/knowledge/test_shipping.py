"""Shipping intents and per-country values from shipping.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.content import ProblemCollector
from knowledge.countries import SAMPLE_DATA_DIR
from knowledge.shipping import ShippingTable, load_shipping


@pytest.fixture(scope="module")
def shipping() -> ShippingTable:
    collector = ProblemCollector("shipping.yaml")
    table = load_shipping(SAMPLE_DATA_DIR / "shipping.yaml", collector)
    assert table is not None
    assert not collector.problems
    return table


@pytest.mark.parametrize(
    ("text", "language", "names_country", "intent"),
    [
        ("how long does delivery take?", "en", False, "shipping_time"),
        ("wie lange nach Brasilien?", "de", True, "shipping_time"),
        ("combien de temps pour recevoir le colis", "fr", False, "shipping_time"),
        ("送料いくら？", "ja", False, "shipping_cost"),
        ("ongkirnya berapa kak", "id", False, "shipping_cost"),
        ("kirim ke sana berapa hari?", "id", False, "shipping_time"),
        ("gibts Expressversand?", "de", False, "express_shipping"),
        ("有加急吗", "zh", False, "express_shipping"),
    ],
)
def test_shipping_questions_get_their_faq_id(
    shipping: ShippingTable, text: str, language: str, names_country: bool, intent: str
) -> None:
    """Time, cost and express questions are told apart; the longer, more specific keyword wins."""
    assert shipping.intent(text, language, names_country=names_country) == intent


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("do you ship to norway?", "en"),
        ("when will my order ship?", "en"),
        ("срок доставки 10-15 дней, прошло уже 35", "ru"),
        ("how long until my refund arrives?", "en"),
        ("退货后多久到账", "zh"),
        ("thanks, the dress is lovely", "en"),
    ],
)
def test_non_shipping_questions_and_complaints_get_no_intent(
    shipping: ShippingTable, text: str, language: str
) -> None:
    """Yes/no delivery questions, order status, late-delivery complaints and refunds are not shipping facts."""
    assert shipping.intent(text, language) is None


def test_country_row_overrides_only_what_it_lists(shipping: ShippingTable) -> None:
    """Brazil has its own days and cost but inherits the free-shipping threshold."""
    values = shipping.values("BR", "en")
    assert values["shipping_days"] == "15–30"
    assert values["shipping_cost"] == "6.90 USD"
    assert values["free_shipping_over"] == "50.00 USD"


def test_unknown_country_uses_the_default_row(shipping: ShippingTable) -> None:
    """Countries without a row, and no country at all, get the shop's default rates."""
    assert shipping.values(None, "en") == shipping.values("ZZ", "en")
    assert shipping.values(None, "en")["shipping_days"] == "7–15"
    assert shipping.values(None, "en")["express_cost"] == "14.90 USD"


def test_amounts_use_the_buyers_decimal_separator(shipping: ShippingTable) -> None:
    """German buyers see 4,90 USD."""
    assert shipping.values(None, "de")["shipping_cost"] == "4,90 USD"


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "shipping.yaml"
    path.write_text(text, encoding="utf-8")
    collector = ProblemCollector(str(path))
    load_shipping(path, collector)
    return [str(p) for p in collector.problems]


def test_shipping_mistakes_are_reported_with_their_line(tmp_path: Path) -> None:
    """Bad country codes, day ranges and costs each name their own line."""
    problems = _problems(
        tmp_path,
        "currency: USD\n"
        "default:\n"
        "  standard: {days: [7, 15], cost: 4.90}\n"
        "  express: {days: [3, 6], cost: 14.90}\n"
        "countries:\n"
        "  XX: {standard: {days: [1, 2]}}\n"
        "  BR: {standard: {days: [30, 15]}}\n"
        "  MX: {express: {cost: -1}}\n"
        "keywords: {}\n",
    )
    path = tmp_path / "shipping.yaml"
    assert any(p.startswith(f"{path}:6: unknown country code 'XX'") for p in problems)
    assert any(p.startswith(f"{path}:7: countries.BR.standard.days: minimum 30") for p in problems)
    assert any(
        p.startswith(f"{path}:8: countries.MX.express.cost must be a non-negative number") for p in problems
    )
    assert any(p.startswith(f"{path}:9: keywords: missing 'shipping'") for p in problems)
