"""Customs duty and VAT/GST estimates per destination country (`duty.yaml`).

The estimate is deliberately simple and explicit: the amount is taken in the currency the buyer
wrote, thresholds are converted with the file's fixed example exchange table, and every answer
names the rule, its source and a disclaimer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from knowledge.content import ContentError, LineDict, ProblemCollector, load_yaml
from knowledge.countries import fold, has_keyword, is_country_code, keyword_spans, language_table, text_list

DUTY_FILE: Final = "duty.yaml"
AMOUNT_RE: Final = re.compile(r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?")
_MONEY_RE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+([A-Z]{3})\s*$")
_CENT: Final = Decimal("0.01")
_ROW_KEYS: Final = (
    "vat",
    "vat_free_up_to",
    "duty_free_up_to",
    "duty",
    "low_value",
    "duty_base",
    "terms",
    "source",
    "note",
)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class DutyRule:
    country: str
    vat: Decimal
    vat_free_up_to: Money | None
    duty_free_up_to: Money
    duty: Mapping[str, Decimal]
    low_value: tuple[Money, Decimal] | None
    duty_on_excess: bool
    terms: str  # DDP | DDU
    source: str


@dataclass(frozen=True)
class DutyEstimate:
    rule: DutyRule
    value: Money
    category: str | None
    duty_rate: Decimal
    duty: Decimal
    duty_exempt: bool
    vat: Decimal
    vat_exempt: bool

    @property
    def total(self) -> Decimal:
        return self.duty + self.vat


@dataclass(frozen=True)
class DutyTable:
    as_of: str
    base_currency: str
    exchange_rates: Mapping[str, Decimal]  # units per 1 base currency
    currency_words: Mapping[str, str]  # folded word → currency code
    currency_by_language: Mapping[str, Mapping[str, str]]
    keywords: Mapping[str, Mapping[str, tuple[str, ...]]]  # customs|vat → language → folded words
    products: Mapping[str, Mapping[str, tuple[str, ...]]]  # category → language → folded words
    countries: Mapping[str, DutyRule]
    multipliers: Mapping[str, Decimal] = field(default_factory=dict)  # folded word → factor

    def intent(self, text: str, language: str, *, not_taxes: Iterable[str] = ()) -> str | None:
        """`customs_duty` or `vat_included` when the text asks about taxes, else None.

        `not_taxes` are folded phrases whose fee words do not mean a tax ("رسوم الشحن": shipping fees).
        """
        folded = fold(text)
        vat = has_keyword(folded, self.keywords.get("vat", {}).get(language, ()))
        # A VAT term often contains the word for tax ("消费税", "ضريبه القيمه المضافه"): blank it out
        # before looking for customs words, so only a tax named besides it counts.
        vat_words = self.keywords.get("vat", {}).get(language, ())
        for word in sorted([*vat_words, *not_taxes], key=len, reverse=True):
            for start, end in keyword_spans(folded, word):
                folded = folded[:start] + " " * (end - start) + folded[end:]
        customs = has_keyword(folded, self.keywords.get("customs", {}).get(language, ()))
        if customs:
            return "customs_duty"
        return "vat_included" if vat else None

    def find_amount(self, text: str, language: str) -> Money | None:
        """The goods value the buyer wrote: a number right next to a currency word or symbol.

        A bare number is not taken: "stuck at customs for 10 days" is not a 10 USD parcel.
        """
        folded = fold(text)
        words = dict(self.currency_words)
        words.update({fold(k): v for k, v in self.currency_by_language.get(language, {}).items()})
        spans: list[tuple[int, int, str]] = []
        for word, code in sorted(words.items(), key=lambda item: -len(item[0])):
            for start, end in keyword_spans(folded, word):
                if all(end <= s or start >= e for s, e, _ in spans):
                    spans.append((start, end, code))
        numbers = [self._scaled(folded, m) for m in AMOUNT_RE.finditer(folded)]
        for start, end, amount in numbers:
            for c_start, c_end, code in spans:
                gap = folded[end:c_start] if c_start >= end else folded[c_end:start]
                if (c_start >= end or c_end <= start) and len(gap) <= 2 and not gap.strip():
                    return Money(amount, code)
        return None

    def _scaled(self, folded: str, match: re.Match[str]) -> tuple[int, int, Decimal]:
        """A number with the multiplier word written after it ("30만", "1,5 juta", "2 triệu")."""
        amount, end = _parse_amount(match.group()), match.end()
        rest = folded[end:]
        spaces = len(rest) - len(rest.lstrip(" "))
        for word, factor in sorted(self.multipliers.items(), key=lambda item: -len(item[0])):
            if word_at(rest, spaces, word):
                return match.start(), end + spaces + len(word), amount * factor
        return match.start(), end, amount

    def product(self, text: str, language: str) -> tuple[str, str] | None:
        """(category, the buyer's own word for it) for the first product category named."""
        folded = fold(text)
        original = text
        for category, words in self.products.items():
            for word in words.get(language, ()):
                spans = keyword_spans(folded, word)
                if spans:
                    start, end = spans[0]
                    shown = _whole_word(original, folded, start, end)
                    return category, shown
        return None

    def convert(self, money: Money, currency: str) -> Decimal:
        base = money.amount / self.exchange_rates[money.currency]
        return base * self.exchange_rates[currency]

    def estimate(self, value: Money, country: str, category: str | None) -> DutyEstimate | None:
        rule = self.countries.get(country)
        if rule is None or value.currency not in self.exchange_rates:
            return None
        threshold = self.convert(rule.duty_free_up_to, value.currency)
        rate = rule.duty.get(category or "", rule.duty["default"])
        if rule.low_value and value.amount <= self.convert(rule.low_value[0], value.currency):
            rate = rule.low_value[1]
        duty_exempt = value.amount <= threshold and threshold > 0
        taxable = value.amount - threshold if rule.duty_on_excess else value.amount
        duty = Decimal(0) if duty_exempt else _cents(max(taxable, Decimal(0)) * rate / 100)
        vat_free = self.convert(rule.vat_free_up_to, value.currency) if rule.vat_free_up_to else None
        vat_exempt = vat_free is not None and value.amount <= vat_free
        vat_base = max(taxable, Decimal(0)) + duty
        vat = Decimal(0) if vat_exempt else _cents(vat_base * rule.vat / 100)
        return DutyEstimate(rule, value, category, rate, duty, duty_exempt, vat, vat_exempt)


def _whole_word(original: str, folded: str, start: int, end: int) -> str:
    # Folding can change lengths (ß → ss); show the folded word when the texts do not align.
    text = original if len(original) == len(folded) else folded
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    while end < len(text) and text[end].isalpha() and not _unspaced(text[end]):
        end += 1
    return text[start:end]


def word_at(text: str, index: int, word: str) -> bool:
    """Whether `word` is written at `index` as a whole word (CJK/Thai words need no boundary)."""
    if not text.startswith(word, index):
        return False
    after = index + len(word)
    return _unspaced(word[-1]) or after >= len(text) or not text[after].isalpha()


def _unspaced(char: str) -> bool:
    return ord(char) >= 0x0E00


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _parse_amount(text: str) -> Decimal:
    """ "1,200.50", "1.200,50", "1 200" and "120,5" all read the way a buyer means them."""
    compact = re.sub(r"[\u00a0\u202f ]", "", text)
    separators = [i for i, c in enumerate(compact) if c in ".,"]
    if not separators:
        return Decimal(compact)
    last = separators[-1]
    decimals = len(compact) - last - 1
    if len(separators) == 1 and decimals == 3:
        return Decimal(compact.replace(",", "").replace(".", ""))
    whole = re.sub(r"[.,]", "", compact[:last])
    return Decimal(f"{whole}.{compact[last + 1 :]}")


def load_duty(path: Path, collector: ProblemCollector) -> DutyTable | None:
    """Read and validate `duty.yaml`; every problem goes to the collector."""
    try:
        data = load_yaml(path, display_path=collector.path)
    except ContentError as exc:
        collector.problems.extend(exc.problems)
        return None
    root = collector.require_mapping(data, 1, "duty file")
    if root is None:
        return None
    allowed = (
        "as_of",
        "base_currency",
        "exchange_rates",
        "currency_words",
        "currency_by_language",
        "keywords",
        "products",
        "multipliers",
        "countries",
    )
    collector.unknown_keys(root, allowed, "duty file")
    for key in ("as_of", "base_currency", "exchange_rates", "keywords", "countries"):
        if key not in root:
            collector.add(root.line, f"missing key {key!r}")
    as_of = root.get("as_of")
    if "as_of" in root and not isinstance(as_of, dt.date):
        collector.add(root.line_of("as_of"), f"as_of must be a date like 2025-09-01, got {as_of!r}")
    base = (
        collector.require_text(root.get("base_currency"), root.line_of("base_currency"), "base_currency")
        or "USD"
    )
    rates = _exchange_rates(root, collector, base)
    currency_words = _currency_words(root, collector, rates)
    by_language = _currency_by_language(root, collector, rates)
    keywords: dict[str, dict[str, tuple[str, ...]]] = {}
    if "keywords" in root:
        kinds = collector.require_mapping(root["keywords"], root.line_of("keywords"), "keywords")
        if kinds is not None:
            collector.unknown_keys(kinds, ("customs", "vat"), "keywords")
            for kind in ("customs", "vat"):
                if kind not in kinds:
                    collector.add(kinds.line, f"keywords: missing {kind!r}")
                    continue
                words = language_table(
                    collector, kinds[kind], kinds.line_of(kind), f"keywords.{kind}", complete=True
                )
                keywords[kind] = {lang: tuple(fold(w) for w in ws) for lang, ws in words.items()}
    products: dict[str, dict[str, tuple[str, ...]]] = {}
    if "products" in root:
        table = collector.require_mapping(root["products"], root.line_of("products"), "products")
        for category, words in (table or {}).items():
            line = table.line_of(category) if table else 1
            found = language_table(collector, words, line, f"products.{category}", complete=False)
            products[category] = {lang: tuple(fold(w) for w in ws) for lang, ws in found.items()}
    countries: dict[str, DutyRule] = {}
    if "countries" in root:
        table = collector.require_mapping(root["countries"], root.line_of("countries"), "countries")
        for code, spec in (table or {}).items():
            line = table.line_of(code) if table else 1
            if not is_country_code(code):
                collector.add(line, f"unknown country code {code!r} (use ISO 3166 alpha-2, e.g. DE)")
                continue
            rule = _rule(code, spec, line, collector, rates=rates, products=products)
            if rule is not None:
                countries[code] = rule
    multipliers = _multipliers(root, collector)
    return DutyTable(
        str(as_of), base, rates, currency_words, by_language, keywords, products, countries, multipliers
    )


def _multipliers(root: LineDict, collector: ProblemCollector) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    if "multipliers" not in root:
        return found
    table = collector.require_mapping(root["multipliers"], root.line_of("multipliers"), "multipliers")
    for word, factor in (table or {}).items():
        line = table.line_of(word) if table else 1
        if isinstance(factor, int) and not isinstance(factor, bool) and factor > 1:
            found[fold(str(word))] = Decimal(factor)
        else:
            collector.add(line, f"multipliers.{word} must be a whole number above 1, got {factor!r}")
    return found


def _currency_by_language(
    root: LineDict, collector: ProblemCollector, rates: Mapping[str, Decimal]
) -> dict[str, dict[str, str]]:
    by_language: dict[str, dict[str, str]] = {}
    if "currency_by_language" not in root:
        return by_language
    where = "currency_by_language"
    table = collector.require_mapping(root[where], root.line_of(where), where)
    for language, mapping in (table or {}).items():
        line = table.line_of(language) if table else 1
        entries = collector.require_mapping(mapping, line, f"{where}.{language}")
        by_language[language] = {}
        for word, code in (entries or {}).items():
            if rates and code not in rates:
                collector.add(
                    entries.line_of(word) if entries else line, f"currency {code!r} has no exchange rate"
                )
            else:
                by_language[language][word] = str(code)
    return by_language


def _exchange_rates(root: LineDict, collector: ProblemCollector, base: str) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}
    if "exchange_rates" not in root:
        return rates
    table = collector.require_mapping(
        root["exchange_rates"], root.line_of("exchange_rates"), "exchange_rates"
    )
    for code, value in (table or {}).items():
        line = table.line_of(code) if table else 1
        if not (len(code) == 3 and code.isalpha() and code.isupper()):
            collector.add(line, f"exchange_rates: {code!r} is not an ISO 4217 currency code")
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            rates[code] = Decimal(str(value))
        else:
            collector.add(line, f"exchange_rates.{code} must be a positive number, got {value!r}")
    if table is not None and rates.get(base) != 1:
        collector.add(table.line, f"exchange_rates must list the base currency {base} as 1")
    return rates


def _currency_words(
    root: LineDict, collector: ProblemCollector, rates: Mapping[str, Decimal]
) -> dict[str, str]:
    words: dict[str, str] = {}
    if "currency_words" not in root:
        return words
    table = collector.require_mapping(
        root["currency_words"], root.line_of("currency_words"), "currency_words"
    )
    for code, values in (table or {}).items():
        line = table.line_of(code) if table else 1
        if rates and code not in rates:
            collector.add(line, f"currency_words.{code}: no exchange rate for {code}")
            continue
        for word in text_list(collector, values, line, f"currency_words.{code}"):
            other = words.setdefault(fold(word), code)
            if other != code:
                collector.add(line, f"currency word {word!r} is listed for both {other} and {code}")
    return words


def _money(
    value: Any, line: int, where: str, collector: ProblemCollector, rates: Mapping[str, Decimal]
) -> Money | None:
    match = _MONEY_RE.match(str(value)) if isinstance(value, str) else None
    if match is None:
        collector.add(line, f"{where} must be written like '150 EUR', got {value!r}")
        return None
    if rates and match.group(2) not in rates:
        collector.add(line, f"{where}: currency {match.group(2)} has no exchange rate")
        return None
    return Money(Decimal(match.group(1)), match.group(2))


def _percent(value: Any, line: int, where: str, collector: ProblemCollector) -> Decimal | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 100:
        try:
            return Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - str(float) is always a valid Decimal
            return None
    collector.add(line, f"{where} must be a percentage between 0 and 100, got {value!r}")
    return None


def _rule(
    code: str,
    value: Any,
    line: int,
    collector: ProblemCollector,
    *,
    rates: Mapping[str, Decimal],
    products: Mapping[str, Any],
) -> DutyRule | None:
    where = f"countries.{code}"
    spec = collector.require_mapping(value, line, where)
    if spec is None:
        return None
    collector.unknown_keys(spec, _ROW_KEYS, where)
    for key in ("vat", "duty_free_up_to", "duty", "terms", "source"):
        if key not in spec:
            collector.add(spec.line, f"{where}: missing {key!r}")
    vat = _percent(spec.get("vat"), spec.line_of("vat"), f"{where}.vat", collector) if "vat" in spec else None
    vat_free = (
        _money(
            spec["vat_free_up_to"],
            spec.line_of("vat_free_up_to"),
            f"{where}.vat_free_up_to",
            collector,
            rates,
        )
        if "vat_free_up_to" in spec
        else None
    )
    duty_free = (
        _money(
            spec["duty_free_up_to"],
            spec.line_of("duty_free_up_to"),
            f"{where}.duty_free_up_to",
            collector,
            rates,
        )
        if "duty_free_up_to" in spec
        else None
    )
    duty: dict[str, Decimal] = {}
    if "duty" in spec:
        table = collector.require_mapping(spec["duty"], spec.line_of("duty"), f"{where}.duty")
        for category, rate in (table or {}).items():
            rate_line = table.line_of(category) if table else 1
            if category != "default" and products and category not in products:
                collector.add(rate_line, f"{where}.duty: unknown product category {category!r}")
                continue
            percent = _percent(rate, rate_line, f"{where}.duty.{category}", collector)
            if percent is not None:
                duty[category] = percent
        if table is not None and "default" not in table:
            collector.add(table.line, f"{where}.duty: missing 'default' rate")
    low_value: tuple[Money, Decimal] | None = None
    if "low_value" in spec:
        low = collector.require_mapping(spec["low_value"], spec.line_of("low_value"), f"{where}.low_value")
        if low is not None:
            collector.unknown_keys(low, ("up_to", "duty"), f"{where}.low_value")
            up_to = _money(
                low.get("up_to"), low.line_of("up_to"), f"{where}.low_value.up_to", collector, rates
            )
            rate = _percent(low.get("duty"), low.line_of("duty"), f"{where}.low_value.duty", collector)
            if up_to is not None and rate is not None:
                low_value = (up_to, rate)
    base = spec.get("duty_base", "full")
    if base not in ("full", "excess"):
        collector.add(
            spec.line_of("duty_base"), f"{where}.duty_base must be 'full' or 'excess', got {base!r}"
        )
    terms = spec.get("terms")
    if "terms" in spec and terms not in ("DDP", "DDU"):
        collector.add(spec.line_of("terms"), f"{where}.terms must be DDP or DDU, got {terms!r}")
    source = (
        collector.require_text(spec.get("source"), spec.line_of("source"), f"{where}.source")
        if "source" in spec
        else None
    )
    if vat is None or duty_free is None or "default" not in duty or terms not in ("DDP", "DDU") or not source:
        return None
    return DutyRule(code, vat, vat_free, duty_free, duty, low_value, base == "excess", str(terms), source)
