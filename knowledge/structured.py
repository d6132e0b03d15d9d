"""Structured answers computed from admin data: size conversion, shipping per country, duty/VAT estimates.

`StructuredData.answer` replies only to concrete questions ("EU 42 in US?", "how long to Brazil?",
"dress 120 USD to Germany, tax?") and returns None otherwise, so the FAQ answers the rest.
The data files live in one directory (see docs/data-format.md):
sizes.yaml, shipping.yaml, duty.yaml, templates.yaml and the optional countries.yaml.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from babel.numbers import format_decimal

from knowledge.content import ContentError, ContentProblem, ProblemCollector, load_yaml, yaml_files
from knowledge.countries import COUNTRIES_FILE, CountryLexicon, country_name, find_country, load_lexicon
from knowledge.duty import DUTY_FILE, DutyEstimate, DutyTable, load_duty
from knowledge.languages import SUPPORTED_LANGUAGES
from knowledge.shipping import SHIPPING_FILE, ShippingTable, load_shipping, money
from knowledge.sizes import SIZES_FILE, SizeConversion, SizeTables, load_sizes

TEMPLATES_FILE: Final = "templates.yaml"
DATA_FILES: Final = (SIZES_FILE, SHIPPING_FILE, DUTY_FILE, TEMPLATES_FILE, COUNTRIES_FILE)

_SHIPPING_FIELDS: Final = frozenset(
    {"country", "shipping_days", "shipping_cost", "express_days", "express_cost", "free_shipping_over"}
)
PLACEHOLDER_NAMES: Final[Mapping[str, frozenset[str]]] = {
    "shipping": _SHIPPING_FIELDS,
    "duty": frozenset({"country", "vat_rate", "duty_free_threshold"}),
    "sizes": frozenset(),
}
_THRESHOLD: Final = frozenset({"threshold"})
# Every template key and the placeholders it may use.
TEMPLATE_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "size": frozenset({"category", "source", "target", "row"}),
    "size_note": frozenset(),
    "shipping_time": _SHIPPING_FIELDS,
    "shipping_cost": _SHIPPING_FIELDS,
    "express_shipping": _SHIPPING_FIELDS,
    "duty": frozenset(
        [
            "item",
            "value",
            "country",
            "duty_rate",
            "duty",
            "duty_rule",
            "vat_rate",
            "vat",
            "vat_rule",
            "total",
            "who_pays",
            "source",
            "as_of",
        ]
    ),
    "exempt": _THRESHOLD,
    "taxable_over": _THRESHOLD,
    "on_excess": _THRESHOLD,
    "no_threshold": frozenset(),
    "ddp": frozenset(),
    "ddu": frozenset(),
    "item_default": frozenset(),
    "your_country": frozenset(),
    "varies": frozenset(),
}


@dataclass(frozen=True)
class StructuredAnswer:
    kind: str  # "sizes" | "shipping" | "duty"
    text: str
    faq_id: str  # the FAQ entry this answer stands in for


class StructuredData:
    """The loaded data directory; build it with `StructuredData.load`."""

    def __init__(
        self,
        sizes: SizeTables,
        shipping: ShippingTable,
        duty: DutyTable,
        templates: Mapping[str, Mapping[str, str]],
        lexicon: CountryLexicon,
    ) -> None:
        self.sizes = sizes
        self.shipping = shipping
        self.duty = duty
        self.templates = templates
        self.lexicon = lexicon

    @property
    def placeholder_names(self) -> Mapping[str, frozenset[str]]:
        """Placeholders each `data:` kind fills in FAQ answers."""
        return PLACEHOLDER_NAMES

    @classmethod
    def load(cls, data_dir: Path) -> StructuredData:
        """Load and validate every data file; raises ContentError listing all problems."""
        problems, loaded = _load_all(data_dir)
        if problems:
            raise ContentError(problems)
        sizes, shipping, duty, templates, lexicon = loaded
        assert sizes
        assert shipping
        assert duty
        assert templates is not None
        return cls(sizes, shipping, duty, templates, lexicon)

    def placeholders(self, language: str, country: str | None) -> dict[str, str]:
        """Values for FAQ answer placeholders; the `default` rows when the country is unknown."""
        words = self._words(language)
        values = self.shipping.values(country, language)
        values["country"] = country_name(country, language) if country else words["your_country"]
        rule = self.duty.countries.get(country or "")
        if rule is None:
            values["vat_rate"] = values["duty_free_threshold"] = words["varies"]
        else:
            values["vat_rate"] = _percent(rule.vat, language)
            values["duty_free_threshold"] = _amount(
                rule.duty_free_up_to.amount, rule.duty_free_up_to.currency, language
            )
        return values

    def answer(self, text: str, language: str, country: str | None) -> StructuredAnswer | None:
        """A computed answer for a concrete question, or None to let the FAQ answer."""
        if language not in self.templates:
            language = "en"
        conversions = self.sizes.convert(text, language)
        named = self.lexicon.find(text, language)
        # "Größe 38, Versand nach Japan?": with no system written next to the size, a country
        # name in a shipping or tax question is the destination, not the target size system.
        if (
            conversions
            and conversions[0].inferred
            and named is not None
            and (self.shipping.mentions_shipping(text, language) or self.duty.intent(text, language))
        ):
            conversions = []
        if conversions:
            return StructuredAnswer("sizes", self._size_text(conversions, language), "size_conversion_eu_us")
        destination = named or country
        duty_intent = self.duty.intent(
            text, language, not_taxes=self.shipping.phrases("cost_phrases", language)
        )
        if duty_intent and destination is not None and destination in self.duty.countries:
            value = self.duty.find_amount(text, language)
            if value is not None:
                product = self.duty.product(text, language)
                estimate = self.duty.estimate(value, destination, product[0] if product else None)
                if estimate is not None:
                    item = product[1] if product else self._words(language)["item_default"]
                    return StructuredAnswer("duty", self._duty_text(estimate, item, language), duty_intent)
        shipping_intent = self.shipping.intent(text, language, names_country=named is not None)
        # A customs question that names shipping ("frais de douane") is not about shipping costs.
        if shipping_intent and destination and not duty_intent:
            values = self.placeholders(language, destination)
            return StructuredAnswer(
                "shipping", self._words(language)[shipping_intent].format(**values), shipping_intent
            )
        return None

    def _words(self, language: str) -> Mapping[str, str]:
        return self.templates.get(language) or self.templates["en"]

    def _size_text(self, conversions: list[SizeConversion], language: str) -> str:
        words = self._words(language)
        lines = []
        for conversion in conversions:
            chart = conversion.chart
            row = " · ".join(
                f"{self.sizes.label(system)} {chart.value(conversion.row, system)}"
                for system in chart.columns
            )
            target = f"{self.sizes.label(conversion.target)} {chart.value(conversion.row, conversion.target)}"
            lines.append(
                words["size"].format(
                    category=chart.names.get(language) or chart.names.get("en", chart.id),
                    source=f"{self.sizes.label(conversion.source)} {conversion.asked}",
                    target=target if conversion.exact else f"≈ {target}",
                    row=row,
                )
            )
        lines.append(words["size_note"])
        return "\n".join(lines)

    def _duty_text(self, estimate: DutyEstimate, item: str, language: str) -> str:
        words = self._words(language)
        rule = estimate.rule
        currency = estimate.value.currency

        def threshold_rule(limit: Any, exempt: bool) -> str:
            shown = _amount(limit.amount, limit.currency, language)
            if exempt:
                return words["exempt"].format(threshold=shown)
            return words["on_excess" if rule.duty_on_excess else "taxable_over"].format(threshold=shown)

        if rule.duty_free_up_to.amount == 0:
            duty_rule = words["no_threshold"]
        else:
            duty_rule = threshold_rule(rule.duty_free_up_to, estimate.duty_exempt)
        if rule.vat == 0:
            vat_rule = "—"
        elif rule.vat_free_up_to is None:
            vat_rule = words["no_threshold"]
        else:
            vat_rule = threshold_rule(rule.vat_free_up_to, estimate.vat_exempt)
        return words["duty"].format(
            item=item,
            value=money(estimate.value.amount, currency, language),
            country=country_name(rule.country, language),
            duty_rate=_percent(estimate.duty_rate, language),
            duty=money(estimate.duty, currency, language),
            duty_rule=duty_rule,
            vat_rate=_percent(rule.vat, language),
            vat=money(estimate.vat, currency, language),
            vat_rule=vat_rule,
            total=money(estimate.total, currency, language),
            who_pays=words["ddp" if rule.terms == "DDP" else "ddu"],
            source=rule.source,
            as_of=self.duty.as_of,
        )


def _percent(rate: Decimal, language: str) -> str:
    return f"{format_decimal(rate, format='#,##0.##', locale=language)} %"


def _amount(amount: Decimal, currency: str, language: str) -> str:
    return f"{format_decimal(amount, format='#,##0.##', locale=language)} {currency}"


def _load_all(
    data_dir: Path,
) -> tuple[
    list[ContentProblem],
    tuple[
        SizeTables | None,
        ShippingTable | None,
        DutyTable | None,
        dict[str, dict[str, str]] | None,
        CountryLexicon,
    ],
]:
    problems: list[ContentProblem] = []

    def collector_for(name: str) -> ProblemCollector:
        return ProblemCollector(str(data_dir / name))

    if not data_dir.is_dir():
        problem = ContentProblem(str(data_dir), 1, "data directory does not exist")
        return [problem], (None, None, None, None, CountryLexicon())
    for path in yaml_files(data_dir):
        if path.name not in DATA_FILES:
            expected = ", ".join(DATA_FILES)
            problems.append(ContentProblem(str(path), 1, f"unknown data file (expected one of: {expected})"))
    loaded: dict[str, Any] = {}
    loaders = {
        SIZES_FILE: load_sizes,
        SHIPPING_FILE: load_shipping,
        DUTY_FILE: load_duty,
        TEMPLATES_FILE: _load_templates,
    }
    for name, loader in loaders.items():
        collector = collector_for(name)
        path = data_dir / name
        if not path.exists():
            collector.add(1, "required data file is missing")
        else:
            loaded[name] = loader(path, collector)
        problems.extend(collector.problems)
    lexicon = CountryLexicon()
    if (data_dir / COUNTRIES_FILE).exists():
        collector = collector_for(COUNTRIES_FILE)
        lexicon = load_lexicon(data_dir / COUNTRIES_FILE, collector)
        problems.extend(collector.problems)
    result = (
        loaded.get(SIZES_FILE),
        loaded.get(SHIPPING_FILE),
        loaded.get(DUTY_FILE),
        loaded.get(TEMPLATES_FILE),
        lexicon,
    )
    return sorted(problems), result


def _load_templates(path: Path, collector: ProblemCollector) -> dict[str, dict[str, str]] | None:
    try:
        data = load_yaml(path, display_path=collector.path)
    except ContentError as exc:
        collector.problems.extend(exc.problems)
        return None
    root = collector.require_mapping(data, 1, "templates file")
    if root is None:
        return None
    templates: dict[str, dict[str, str]] = {}
    for language, block in root.items():
        line = root.line_of(language)
        if language not in SUPPORTED_LANGUAGES:
            collector.add(line, f"unsupported language code {language!r}")
            continue
        entries = collector.require_mapping(block, line, f"templates.{language}")
        if entries is None:
            continue
        collector.unknown_keys(entries, TEMPLATE_FIELDS, f"templates.{language}")
        templates[language] = {}
        for key, allowed in TEMPLATE_FIELDS.items():
            if key not in entries:
                collector.add(entries.line, f"templates.{language}: missing {key!r}")
                continue
            key_line = entries.line_of(key)
            text = collector.require_text(entries[key], key_line, f"templates.{language}.{key}")
            if text is None:
                continue
            try:
                used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
            except ValueError as exc:
                collector.add(key_line, f"templates.{language}.{key}: broken placeholder ({exc})")
                continue
            for name in sorted(used - allowed):
                shown = ", ".join(sorted(allowed)) or "none"
                collector.add(
                    key_line, f"templates.{language}.{key}: unknown placeholder {{{name}}} (allowed: {shown})"
                )
            templates[language][key] = text
    missing = [lang for lang in SUPPORTED_LANGUAGES if lang not in root]
    if missing:
        collector.add(root.line, f"templates missing language(s): {', '.join(missing)}")
    return templates


def check_data_dir(data_dir: Path) -> list[ContentProblem]:
    """Every problem in a data directory, as `file:line: message` items (empty when valid)."""
    problems, _ = _load_all(data_dir)
    return problems


__all__ = ["PLACEHOLDER_NAMES", "StructuredAnswer", "StructuredData", "check_data_dir", "find_country"]
