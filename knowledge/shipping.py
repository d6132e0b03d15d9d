"""Delivery times and shipping costs per destination country (`shipping.yaml`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from babel.numbers import format_decimal

from knowledge.content import ContentError, LineDict, ProblemCollector, load_yaml
from knowledge.countries import fold, is_country_code, keyword_spans, language_table

SHIPPING_FILE: Final = "shipping.yaml"
METHODS: Final = ("standard", "express")
KEYWORD_KINDS: Final = (
    "shipping",
    "time",
    "time_phrases",
    "cost",
    "cost_phrases",
    "express",
    "express_phrases",
    "blockers",
)
# "When would it arrive in X?" asks for the delivery time only with a country named; optional so
# older data files stay valid.
OPTIONAL_KEYWORD_KINDS: Final = ("when",)


@dataclass(frozen=True)
class MethodRate:
    days: tuple[int, int]
    cost: Decimal
    free_over: Decimal | None = None


@dataclass(frozen=True)
class ShippingRow:
    standard: MethodRate
    express: MethodRate


@dataclass(frozen=True)
class ShippingTable:
    currency: str
    default: ShippingRow
    countries: Mapping[str, ShippingRow]
    keywords: Mapping[str, Mapping[str, tuple[str, ...]]]  # kind → language → folded words

    def row(self, country: str | None) -> ShippingRow:
        return self.countries.get(country or "", self.default)

    def intent(self, text: str, language: str, *, names_country: bool = False) -> str | None:
        """The FAQ id of a concrete shipping question, or None when it asks no time or cost.

        A country named in the text stands for the shipping itself: "wie lange nach Brasilien?".
        """
        folded = fold(text)

        def said(kind: str) -> int:
            """Length of the longest keyword of this kind in the text (0: none)."""
            words = self.keywords.get(kind, {}).get(language, ())
            return max((len(w) for w in words if keyword_spans(folded, w)), default=0)

        if said("blockers"):
            return None
        about_shipping = names_country or bool(said("shipping"))
        if said("express_phrases") or (said("express") and about_shipping):
            return "express_shipping"
        cost = said("cost_phrases") or (said("cost") if about_shipping else 0)
        # Complaints quote day counts ("10 days and still nothing"); time questions do not.
        asks_time = not any(char.isdigit() for char in folded)
        time = said("time_phrases") or (said("time") if about_shipping else 0)
        # "when will it arrive in Brazil?"; "when will MY order arrive" is stopped by `blockers`.
        time = (time or (said("when") if names_country and said("shipping") else 0)) if asks_time else 0
        # The longer keyword is the more specific one: "combien de temps" beats "combien".
        if cost and cost >= time:
            return "shipping_cost"
        if time:
            return "shipping_time"
        return None

    def mentions_shipping(self, text: str, language: str) -> bool:
        """Whether the text uses any word about shipping or delivery time at all."""
        folded = fold(text)
        return any(
            keyword_spans(folded, word)
            for kind in ("shipping", "time", "time_phrases", "when", "cost_phrases", "express_phrases")
            for word in self.keywords.get(kind, {}).get(language, ())
        )

    def phrases(self, kind: str, language: str) -> tuple[str, ...]:
        """The folded keywords of one kind in one language."""
        return self.keywords.get(kind, {}).get(language, ())

    def values(self, country: str | None, language: str) -> dict[str, str]:
        """Placeholder values for one destination (the default row for unknown countries)."""
        row = self.row(country)
        free = row.standard.free_over
        return {
            "shipping_days": _days(row.standard.days),
            "express_days": _days(row.express.days),
            "shipping_cost": money(row.standard.cost, self.currency, language),
            "express_cost": money(row.express.cost, self.currency, language),
            "free_shipping_over": money(free, self.currency, language) if free is not None else "—",
        }


def _days(days: tuple[int, int]) -> str:
    return f"{days[0]}–{days[1]}" if days[0] != days[1] else str(days[0])


def money(amount: Decimal, currency: str, language: str) -> str:
    """An amount with the buyer's decimal separator and an explicit ISO currency code."""
    return f"{format_decimal(amount, format='#,##0.00', locale=language)} {currency}"


def load_shipping(path: Path, collector: ProblemCollector) -> ShippingTable | None:
    """Read and validate `shipping.yaml`; every problem goes to the collector."""
    try:
        data = load_yaml(path, display_path=collector.path)
    except ContentError as exc:
        collector.problems.extend(exc.problems)
        return None
    root = collector.require_mapping(data, 1, "shipping file")
    if root is None:
        return None
    collector.unknown_keys(root, ("currency", "default", "countries", "keywords"), "shipping file")
    for key in ("currency", "default", "keywords"):
        if key not in root:
            collector.add(root.line, f"missing key {key!r}")
    currency = collector.require_text(root.get("currency"), root.line_of("currency"), "currency") or "USD"
    if not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
        collector.add(
            root.line_of("currency"), f"currency must be an ISO 4217 code like USD, got {currency!r}"
        )
    default = _row(root.get("default"), root.line_of("default"), "default", collector, None)
    countries: dict[str, ShippingRow] = {}
    if "countries" in root:
        table = collector.require_mapping(root["countries"], root.line_of("countries"), "countries")
        for code, spec in (table or {}).items():
            line = table.line_of(code) if table else 1
            if not is_country_code(code):
                collector.add(line, f"unknown country code {code!r} (use ISO 3166 alpha-2, e.g. BR)")
                continue
            row = _row(spec, line, f"countries.{code}", collector, default)
            if row is not None:
                countries[code] = row
    keywords: dict[str, dict[str, tuple[str, ...]]] = {}
    if "keywords" in root:
        kinds = collector.require_mapping(root["keywords"], root.line_of("keywords"), "keywords")
        if kinds is not None:
            collector.unknown_keys(kinds, KEYWORD_KINDS + OPTIONAL_KEYWORD_KINDS, "keywords")
            for kind in KEYWORD_KINDS + OPTIONAL_KEYWORD_KINDS:
                if kind not in kinds:
                    if kind in KEYWORD_KINDS:
                        collector.add(kinds.line, f"keywords: missing {kind!r}")
                    continue
                words = language_table(
                    collector, kinds[kind], kinds.line_of(kind), f"keywords.{kind}", complete=True
                )
                keywords[kind] = {lang: tuple(fold(w) for w in ws) for lang, ws in words.items()}
    if default is None:
        return None
    return ShippingTable(currency, default, countries, keywords)


def _row(
    value: Any, line: int, where: str, collector: ProblemCollector, inherit: ShippingRow | None
) -> ShippingRow | None:
    spec = collector.require_mapping(value, line, where)
    if spec is None:
        return None
    collector.unknown_keys(spec, METHODS, where)
    rates: dict[str, MethodRate | None] = {}
    for method in METHODS:
        base = getattr(inherit, method) if inherit else None
        if method not in spec:
            if base is None:
                collector.add(spec.line, f"{where}: missing {method!r}")
            rates[method] = base
            continue
        rates[method] = _rate(spec[method], spec.line_of(method), f"{where}.{method}", collector, base)
    standard, express = rates["standard"], rates["express"]
    if standard is None or express is None:
        return None
    return ShippingRow(standard, express)


def _rate(
    value: Any, line: int, where: str, collector: ProblemCollector, base: MethodRate | None
) -> MethodRate | None:
    spec = collector.require_mapping(value, line, where)
    if spec is None:
        return None
    collector.unknown_keys(spec, ("days", "cost", "free_over"), where)
    rate = base
    ok = True
    if "days" in spec:
        days = _days_range(spec, collector, where)
        ok &= days is not None
        if days is not None:
            rate = replace(rate, days=days) if rate else MethodRate(days, Decimal(0))
    elif base is None:
        collector.add(spec.line, f"{where}: missing 'days'")
        ok = False
    for key in ("cost", "free_over"):
        if key not in spec:
            if key == "cost" and base is None:
                collector.add(spec.line, f"{where}: missing 'cost'")
                ok = False
            continue
        amount = amount_of(spec[key], spec.line_of(key), f"{where}.{key}", collector)
        ok &= amount is not None
        if amount is not None and rate is not None:
            rate = replace(rate, cost=amount) if key == "cost" else replace(rate, free_over=amount)
    return rate if ok else None


def _days_range(spec: LineDict, collector: ProblemCollector, where: str) -> tuple[int, int] | None:
    days = spec["days"]
    line = spec.line_of("days")
    if (
        isinstance(days, list)
        and len(days) == 2
        and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in days)
    ):
        if days[0] > days[1]:
            collector.add(line, f"{where}.days: minimum {days[0]} is above maximum {days[1]}")
            return None
        return (days[0], days[1])
    collector.add(line, f"{where}.days must be [min, max] business days as two positive whole numbers")
    return None


def amount_of(value: Any, line: int, where: str, collector: ProblemCollector) -> Decimal | None:
    """A non-negative amount of money written as a plain number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - str(float) is always a valid Decimal
            amount = Decimal(-1)
        if amount >= 0:
            return amount
    collector.add(line, f"{where} must be a non-negative number, got {value!r}")
    return None
