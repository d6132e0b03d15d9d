"""Size conversion between EU, US, UK, JP, CN, KR and cm from admin-edited charts (`sizes.yaml`).

A question is concrete only when a size number stands right next to a size system word
("EU 42", "8 americano", "美码8"); a bare "I wear 39" is left to the FAQ.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from knowledge.content import ContentError, LineDict, ProblemCollector, load_yaml
from knowledge.countries import WORD_RE, fold, keyword_spans, language_table, script_of, text_list
from knowledge.languages import SUPPORTED_LANGUAGES

SIZES_FILE: Final = "sizes.yaml"
NUMBER_RE: Final = re.compile(r"(?<![\d.,])\d{1,3}(?:[.,]\d{1,2})?(?![\d])")
_NEAREST: Final = 0.5  # half a size step: a buyer's "EU 37" still finds the 37.5 row
_MAX_RESULTS: Final = 3


@dataclass(frozen=True)
class SizeSystem:
    id: str
    label: str
    words: Mapping[str, tuple[str, ...]]  # folded, per language


@dataclass(frozen=True)
class SizeChart:
    id: str
    group: str
    names: Mapping[str, str]
    words: Mapping[str, tuple[str, ...]]  # folded, per language
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    needs_word: bool = False  # offered only when one of its words is used (kids' sizes)

    def value(self, row: tuple[str, ...], system: str) -> str:
        return row[self.columns.index(system)]


@dataclass(frozen=True)
class SizeConversion:
    chart: SizeChart
    source: str
    target: str
    asked: str
    row: tuple[str, ...]
    exact: bool
    inferred: bool = False  # the source system was not written, only the buyer's home system assumed


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    system: str
    pair_only: bool


@dataclass(frozen=True)
class SizeTables:
    systems: Mapping[str, SizeSystem]
    pair_only: Mapping[str, frozenset[str]]
    link_words: Mapping[str, tuple[str, ...]]
    targets: Mapping[str, tuple[str, ...]]
    groups: Mapping[str, Mapping[str, tuple[str, ...]]]
    charts: tuple[SizeChart, ...]
    size_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def convert(self, text: str, language: str) -> list[SizeConversion]:
        """Conversions for a concrete size question; empty when the text names no sized system."""
        folded = fold(text)
        mentions = self._mentions(folded, language)
        asked = self._paired_number(folded, mentions, language) or self._home_number(
            folded, mentions, language
        )
        if asked is None:
            return []
        number, source_mention = asked
        inferred = source_mention.start < 0
        named_targets = [
            m.system
            for m in mentions
            if m.system != source_mention.system and not m.pair_only and m is not source_mention
        ]
        preferences = [*named_targets, *self.targets.get(language, ("eu", "us"))]
        for charts in self._chart_candidates(folded, language):
            results: list[SizeConversion] = []
            for chart in charts:
                conversion = _convert_in(chart, number, source_mention.system, preferences)
                if conversion:
                    results.append(replace(conversion, inferred=inferred))
            if results:
                return results[:_MAX_RESULTS]
        return []

    def label(self, system: str) -> str:
        return self.systems[system].label if system in self.systems else system.upper()

    def _mentions(self, folded: str, language: str) -> list[_Mention]:
        found: list[_Mention] = []
        pair_only = self.pair_only.get(language, frozenset())
        for system in self.systems.values():
            words = system.words.get(language) or system.words.get("en", ())
            for word in words:
                for start, end in _word_spans(folded, word):
                    found.append(_Mention(start, end, system.id, word in pair_only))
        # Longer words win where they overlap ("한국 사이즈" over "한국").
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        chosen: list[_Mention] = []
        for mention in found:
            if all(mention.end <= c.start or mention.start >= c.end for c in chosen):
                chosen.append(mention)
        return sorted(chosen, key=lambda m: m.start)

    def _paired_number(
        self, folded: str, mentions: list[_Mention], language: str
    ) -> tuple[float, _Mention] | None:
        links = self.link_words.get(language, ())
        for match in NUMBER_RE.finditer(folded):
            best: tuple[int, int, _Mention] | None = None
            for mention in mentions:
                if mention.end <= match.start():
                    gap, side = folded[mention.end : match.start()], 0
                elif mention.start >= match.end():
                    gap, side = folded[match.end() : mention.start], 1
                else:
                    continue
                if _is_link(gap, links) and (best is None or (len(gap), side) < best[:2]):
                    best = (len(gap), side, mention)
            if best is not None:
                return float(match.group().replace(",", ".")), best[2]
        return None

    def _home_number(
        self, folded: str, mentions: list[_Mention], language: str
    ) -> tuple[float, _Mention] | None:
        """ "I'm a size 43, what is that in US?": a size-word number in the buyer's home system.

        Only with a target system named, so a bare "I wear 39" stays with the FAQ.
        """
        targets = [m.system for m in mentions if not m.pair_only]
        if not targets:
            return None
        home = next((s for s in self.targets.get(language, ("eu", "us")) if s != targets[0]), None)
        if home is None:
            return None
        links = self.link_words.get(language, ())
        spans = [span for word in self.size_words.get(language, ()) for span in _word_spans(folded, word)]
        for match in NUMBER_RE.finditer(folded):
            for start, end in spans:
                if end <= match.start():
                    gap = folded[end : match.start()]
                elif start >= match.end():
                    gap = folded[match.end() : start]
                else:
                    continue
                if _is_link(gap, links):
                    return float(match.group().replace(",", ".")), _Mention(-1, -1, home, False)
        return None

    def _chart_candidates(self, folded: str, language: str) -> list[list[SizeChart]]:
        """Charts to try, best guess first: named category, then named group, then every group in order."""
        group_hits = {
            group: sum(bool(keyword_spans(folded, w)) for w in words.get(language, ()))
            for group, words in self.groups.items()
        }
        scored: list[tuple[int, SizeChart]] = []
        for chart in self.charts:
            own = sum(bool(keyword_spans(folded, w)) for w in chart.words.get(language, ()))
            if own or not chart.needs_word:
                scored.append((2 * own + group_hits.get(chart.group, 0), chart))
        best = max((score for score, _ in scored), default=0)
        order: list[list[SizeChart]] = []
        if best > 0:
            order.append([chart for score, chart in scored if score == best])
            order.append([chart for score, chart in scored if score > 0])
        else:
            for group in self.groups:
                order.append([chart for _, chart in scored if chart.group == group])
        return order


def _word_spans(folded: str, word: str) -> list[tuple[int, int]]:
    """Where a keyword occurs, widened to its whole word: a stem ("американск") stands for
    "американский", and an Arabic/Hebrew keyword takes its clitics ("بالامريكي", "באירופאי")."""
    script = script_of(word[0])
    spans: list[tuple[int, int]] = []
    for found_start, found_end in keyword_spans(folded, word):
        start, end = found_start, found_end
        if script != "unspaced":
            while end < len(folded) and folded[end].isalpha() and script_of(folded[end]) == script:
                end += 1
        if script in {"arabic", "hebrew"}:
            while start > 0 and folded[start - 1].isalpha():
                start -= 1
        spans.append((start, end))
    return spans


def _is_link(gap: str, links: tuple[str, ...]) -> bool:
    """Whether only punctuation and link words ("size", "de", "码") stand between number and system."""
    if len(gap) > 16:
        return False
    rest = gap
    for word in links:
        if script_of(word[0]) == "unspaced":
            rest = rest.replace(word, " ")
    return all(word in links for word in WORD_RE.findall(rest))


def _convert_in(
    chart: SizeChart, number: float, source: str, preferences: list[str]
) -> SizeConversion | None:
    if source not in chart.columns:
        return None
    target = next((t for t in preferences if t != source and t in chart.columns), None)
    if target is None:
        return None
    best: tuple[float, tuple[str, ...]] | None = None
    for row in chart.rows:
        value = _as_number(chart.value(row, source))
        if value is None:
            continue
        distance = abs(value - number)
        # Ties go to the larger size: a slightly roomy shoe is the safer advice.
        if distance <= _NEAREST and (best is None or distance <= best[0]):
            best = (distance, row)
    if best is None:
        return None
    return SizeConversion(chart, source, target, _format_number(number), best[1], best[0] == 0)


def _as_number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _format_number(value: float) -> str:
    return f"{value:g}"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return _format_number(value)
    return str(value).strip()


def load_sizes(path: Path, collector: ProblemCollector) -> SizeTables | None:
    """Read and validate `sizes.yaml`; every problem goes to the collector."""
    try:
        data = load_yaml(path, display_path=collector.path)
    except ContentError as exc:
        collector.problems.extend(exc.problems)
        return None
    root = collector.require_mapping(data, 1, "sizes file")
    if root is None:
        return None
    allowed = ("systems", "pair_only", "link_words", "size_words", "targets", "groups", "categories")
    collector.unknown_keys(root, allowed, "sizes file")
    for key in ("systems", "categories"):
        if key not in root:
            collector.add(root.line, f"missing key {key!r}")
    systems = _load_systems(root, collector)
    pair_only = {
        lang: frozenset(fold(w) for w in words)
        for lang, words in _optional_table(root, "pair_only", collector).items()
    }
    links = {
        lang: tuple(fold(w) for w in words)
        for lang, words in _optional_table(root, "link_words", collector).items()
    }
    size_words = _folded(_optional_table(root, "size_words", collector))
    targets = _optional_table(root, "targets", collector)
    for language, ids in targets.items():
        for system in ids:
            if systems and system not in systems:
                line = root["targets"].line_of(language)
                collector.add(line, f"targets.{language}: unknown size system {system!r}")
    groups: dict[str, dict[str, tuple[str, ...]]] = {}
    raw_groups = root.get("groups")
    if raw_groups is not None:
        table = collector.require_mapping(raw_groups, root.line_of("groups"), "groups")
        for group, words in (table or {}).items():
            line = table.line_of(group) if table else 1
            groups[group] = _folded(language_table(collector, words, line, f"groups.{group}", complete=False))
    charts = _load_charts(root, collector, systems, groups)
    if not groups:
        groups = {chart.group: {} for chart in charts}
    return SizeTables(systems, pair_only, links, targets, groups, tuple(charts), size_words)


def _optional_table(root: LineDict, key: str, collector: ProblemCollector) -> dict[str, tuple[str, ...]]:
    if key not in root:
        return {}
    return language_table(collector, root[key], root.line_of(key), key, complete=False)


def _folded(table: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {language: tuple(fold(w) for w in words) for language, words in table.items()}


def _load_systems(root: LineDict, collector: ProblemCollector) -> dict[str, SizeSystem]:
    systems: dict[str, SizeSystem] = {}
    raw = root.get("systems")
    if raw is None:
        return systems
    table = collector.require_mapping(raw, root.line_of("systems"), "systems")
    owners: dict[tuple[str, str], str] = {}
    for system_id, spec in (table or {}).items():
        line = table.line_of(system_id) if table else 1
        entry = collector.require_mapping(spec, line, f"systems.{system_id}")
        if entry is None:
            continue
        collector.unknown_keys(entry, ("label", "words"), f"systems.{system_id}")
        label = collector.require_text(
            entry.get("label"), entry.line_of("label"), f"systems.{system_id}.label"
        )
        words: dict[str, tuple[str, ...]] = {}
        if "words" in entry:
            words = _folded(
                language_table(
                    collector,
                    entry["words"],
                    entry.line_of("words"),
                    f"systems.{system_id}.words",
                    complete=False,
                )
            )
            for language, folded_words in words.items():
                for word in folded_words:
                    other = owners.setdefault((language, word), system_id)
                    if other != system_id:
                        collector.add(
                            entry["words"].line_of(language),
                            f"systems.{system_id}.words.{language}: {word!r} is also a word of system {other!r}",
                        )
        systems[system_id] = SizeSystem(system_id, label or system_id, words)
    return systems


def _load_charts(
    root: LineDict, collector: ProblemCollector, systems: Mapping[str, SizeSystem], groups: Mapping[str, Any]
) -> list[SizeChart]:
    charts: list[SizeChart] = []
    raw = root.get("categories")
    if raw is None:
        return charts
    table = collector.require_mapping(raw, root.line_of("categories"), "categories")
    for chart_id, spec in (table or {}).items():
        line = table.line_of(chart_id) if table else 1
        where = f"categories.{chart_id}"
        entry = collector.require_mapping(spec, line, where)
        if entry is None:
            continue
        collector.unknown_keys(entry, ("group", "names", "words", "columns", "rows", "needs_word"), where)
        needs_word = entry.get("needs_word", False)
        if not isinstance(needs_word, bool):
            collector.add(entry.line_of("needs_word"), f"{where}.needs_word must be true or false")
        for key in ("group", "names", "columns", "rows"):
            if key not in entry:
                collector.add(entry.line, f"{where}: missing key {key!r}")
        group = collector.require_text(entry.get("group"), entry.line_of("group"), f"{where}.group") or ""
        if group and groups and group not in groups:
            collector.add(
                entry.line_of("group"), f"{where}.group: unknown group {group!r} (not under `groups`)"
            )
        names: dict[str, str] = {}
        if "names" in entry:
            raw_names = collector.require_mapping(entry["names"], entry.line_of("names"), f"{where}.names")
            for language, name in (raw_names or {}).items():
                name_line = raw_names.line_of(language) if raw_names else 1
                if language not in SUPPORTED_LANGUAGES:
                    collector.add(name_line, f"unsupported language code {language!r}")
                    continue
                text = collector.require_text(name, name_line, f"{where}.names.{language}")
                if text:
                    names[language] = text
            missing = [
                lang for lang in SUPPORTED_LANGUAGES if raw_names is not None and lang not in raw_names
            ]
            if missing and raw_names is not None:
                collector.add(raw_names.line, f"{where}.names is missing language(s): {', '.join(missing)}")
        words = (
            _folded(
                language_table(
                    collector, entry["words"], entry.line_of("words"), f"{where}.words", complete=False
                )
            )
            if "words" in entry
            else {}
        )
        columns = (
            text_list(collector, entry.get("columns"), entry.line_of("columns"), f"{where}.columns")
            if "columns" in entry
            else ()
        )
        for column in columns:
            if systems and column not in systems:
                collector.add(entry.line_of("columns"), f"{where}.columns: unknown size system {column!r}")
        if len(set(columns)) != len(columns):
            collector.add(entry.line_of("columns"), f"{where}.columns: a system is listed twice")
        rows = _load_rows(entry, collector, where, columns)
        charts.append(SizeChart(chart_id, group, names, words, columns, rows, needs_word is True))
    return charts


def _load_rows(
    entry: LineDict, collector: ProblemCollector, where: str, columns: tuple[str, ...]
) -> tuple[tuple[str, ...], ...]:
    if "rows" not in entry:
        return ()
    rows = collector.require_list(entry["rows"], entry.line_of("rows"), f"{where}.rows")
    result: list[tuple[str, ...]] = []
    for index, row in enumerate(rows or []):
        row_line = rows.line_of(index) if rows else 1
        cells = collector.require_list(row, row_line, f"{where}.rows[{index + 1}]")
        if cells is None:
            continue
        if len(cells) != len(columns):
            collector.add(
                row_line,
                f"{where}.rows[{index + 1}] has {len(cells)} values but there are {len(columns)} columns",
            )
            continue
        if any(cell is None or isinstance(cell, bool) or not str(cell).strip() for cell in cells):
            collector.add(row_line, f"{where}.rows[{index + 1}] has an empty value")
            continue
        result.append(tuple(_cell(cell) for cell in cells))
    if rows is not None and not result and not collector.problems:
        collector.add(rows.line, f"{where}.rows is empty")
    return tuple(result)
