"""FAQ topic files: loading, validation with `file:line` problems, stale-translation stamps.

The format is documented in docs/faq-format.md. Every admin mistake is collected (not only the
first one) so that one `faq check` run shows everything to fix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import yaml

from knowledge.content import (
    ContentError,
    ContentProblem,
    LineDict,
    ProblemCollector,
    load_yaml,
    yaml_files,
)
from knowledge.languages import SUPPORTED_LANGUAGES
from knowledge.normalize import normalize

# What each kind of structured data can fill in; the structured-data loader supplies the real
# table, this one (the documented placeholders) is used when none is given.
DOCUMENTED_PLACEHOLDERS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "shipping": frozenset(
            {
                "country",
                "shipping_days",
                "shipping_cost",
                "express_days",
                "express_cost",
                "free_shipping_over",
            }
        ),
        "duty": frozenset({"country", "vat_rate", "duty_free_threshold"}),
        "sizes": frozenset(),
    }
)

_TOP_KEYS: Final = ("topic", "source_language", "entries")
_ENTRY_KEYS: Final = ("id", "tags", "data", "questions", "answers", "translated_from")
_ID_RE: Final = re.compile(r"[a-z0-9_]+")
_PLACEHOLDER_RE: Final = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDER_NAME_RE: Final = re.compile(r"[a-z_][a-z0-9_]*")
_HASH_RE: Final = re.compile(r"[0-9a-f]{4,64}")
STALE_PREFIX: Final = "stale translation"


@dataclass(frozen=True)
class FaqEntry:
    """One question/answer pair in every supported language."""

    id: str
    topic: str
    questions: Mapping[str, tuple[str, ...]]
    answers: Mapping[str, str]
    tags: tuple[str, ...]
    data: str | None
    path: str
    line: int
    source_language: str = "en"
    translated_from: Mapping[str, str] = field(default_factory=dict)

    def answer_in(self, language: str) -> str:
        """The answer in `language`, or in the source language when it has none."""
        return self.answers.get(language) or self.answers[self.source_language]

    def title_in(self, language: str) -> str:
        """The first phrasing in `language` (or the source language): a short label for menus."""
        questions = self.questions.get(language) or self.questions[self.source_language]
        return questions[0]


@dataclass(frozen=True)
class FaqBase:
    """All FAQ entries of a directory, in file order."""

    entries: tuple[FaqEntry, ...]
    _by_id: Mapping[str, FaqEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {entry.id: entry for entry in self.entries})

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def __iter__(self) -> Iterator[FaqEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def source_hash(answer: str) -> str:
    """Short fingerprint of a source answer; re-wrapping lines or spacing does not change it."""
    return hashlib.sha256(" ".join(answer.split()).encode("utf-8")).hexdigest()[:8]


def placeholder_names(template: str) -> list[str]:
    """The `{name}` placeholders of an answer template, in order."""
    return _PLACEHOLDER_RE.findall(template)


def fill_placeholders(template: str, values: Mapping[str, str]) -> str:
    """Replace known `{name}` placeholders; unknown ones stay visible rather than vanish."""
    return _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def load_faq_dir(
    directory: Path, *, placeholders: Mapping[str, frozenset[str]] = DOCUMENTED_PLACEHOLDERS
) -> FaqBase:
    """Load and validate every topic file of `directory`.

    Raises ContentError with every problem of every file. Stale translations are not errors here
    (the old translation is still better than none); `check_faq_dir` reports them.
    """
    entries, problems, _ = _load(directory, placeholders)
    if problems:
        raise ContentError(problems)
    return FaqBase(tuple(entries))


def check_faq_dir(
    directory: Path, *, placeholders: Mapping[str, frozenset[str]] = DOCUMENTED_PLACEHOLDERS
) -> list[ContentProblem]:
    """Every error plus every stale translation (messages starting with "stale translation")."""
    _, problems, stale = _load(directory, placeholders)
    return sorted([*problems, *stale])


@dataclass
class _FileResult:
    entries: list[FaqEntry]
    stale: list[ContentProblem]


def _load(
    directory: Path, placeholders: Mapping[str, frozenset[str]]
) -> tuple[list[FaqEntry], list[ContentProblem], list[ContentProblem]]:
    problems: list[ContentProblem] = []
    stale: list[ContentProblem] = []
    entries: list[FaqEntry] = []
    if not directory.is_dir():
        return [], [ContentProblem(str(directory), 1, "FAQ directory does not exist")], []
    files = yaml_files(directory)
    if not files:
        problems.append(ContentProblem(str(directory), 1, "no FAQ files (*.yaml) in this directory"))
    for path in files:
        collector = ProblemCollector(str(path))
        try:
            document = load_yaml(path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        result = _validate_file(document, path, collector, placeholders)
        problems.extend(collector.problems)
        entries.extend(result.entries)
        stale.extend(result.stale)
    problems.extend(_cross_entry_problems(entries))
    return entries, problems, stale


def _validate_file(
    document: Any, path: Path, collector: ProblemCollector, placeholders: Mapping[str, frozenset[str]]
) -> _FileResult:
    result = _FileResult([], [])
    if document is None:
        collector.add(1, "file is empty (expected topic, source_language and entries)")
        return result
    top = collector.require_mapping(document, 1, "a FAQ file")
    if top is None:
        return result
    collector.unknown_keys(top, _TOP_KEYS, "the file")
    topic = path.stem
    if "topic" in top:
        topic = collector.require_text(top["topic"], top.line_of("topic"), "topic") or topic
    source_language = "en"
    if "source_language" in top:
        line = top.line_of("source_language")
        source = collector.require_text(top["source_language"], line, "source_language")
        if source is not None and source not in SUPPORTED_LANGUAGES:
            collector.add(line, f"unknown language code {source!r} in source_language")
        elif source is not None:
            source_language = source
    if "entries" not in top:
        collector.add(top.line, "missing key 'entries' (the list of questions and answers)")
        return result
    items = collector.require_list(top["entries"], top.line_of("entries"), "entries")
    if items is None:
        return result
    if not items:
        collector.add(top.line_of("entries"), "entries is empty")
    for index, item in enumerate(items):
        raw = collector.require_mapping(item, items.line_of(index), f"entry #{index + 1}")
        if raw is None:
            continue
        entry = _validate_entry(
            raw,
            topic=topic,
            source_language=source_language,
            path=path,
            collector=collector,
            placeholders=placeholders,
            stale=result.stale,
        )
        if entry is not None:
            result.entries.append(entry)
    return result


def _validate_entry(
    raw: LineDict,
    *,
    topic: str,
    source_language: str,
    path: Path,
    collector: ProblemCollector,
    placeholders: Mapping[str, frozenset[str]],
    stale: list[ContentProblem],
) -> FaqEntry | None:
    errors_before = len(collector.problems)
    entry_id = ""
    if "id" not in raw:
        collector.add(raw.line, "entry has no 'id'")
    else:
        text = collector.require_text(raw["id"], raw.line_of("id"), "id")
        if text is not None and not _ID_RE.fullmatch(text):
            collector.add(raw.line_of("id"), f"id {text!r} may only contain a-z, 0-9 and _")
        entry_id = text or ""
    where = f"entry {entry_id!r}" if entry_id else "entry"
    collector.unknown_keys(raw, _ENTRY_KEYS, where)

    tags: tuple[str, ...] = ()
    if "tags" in raw:
        tag_list = collector.require_list(raw["tags"], raw.line_of("tags"), f"tags of {where}")
        if tag_list is not None:
            found = [collector.require_text(t, tag_list.line_of(i), "a tag") for i, t in enumerate(tag_list)]
            tags = tuple(t for t in found if t is not None)

    data: str | None = None
    if "data" in raw and raw["data"] is not None:
        data = collector.require_text(raw["data"], raw.line_of("data"), f"data of {where}")
        if data is not None and data not in placeholders:
            known = ", ".join(sorted(placeholders)) or "none"
            collector.add(raw.line_of("data"), f"unknown data {data!r} in {where} (known: {known})")

    questions = _validate_questions(raw, where, collector)
    answers = _validate_answers(raw, where, collector, data, placeholders)
    translated_from = _validate_translated_from(raw, where, source_language, collector)

    if len(collector.problems) > errors_before or not entry_id:
        return None
    source_answer = answers.get(source_language)
    if source_answer is not None:
        current = source_hash(source_answer)
        for language, recorded in translated_from.items():
            if recorded != current:
                stale.append(
                    ContentProblem(
                        str(path),
                        raw["translated_from"].line_of(language),
                        f"{STALE_PREFIX}: the {language!r} answer of {entry_id!r} was translated from an "
                        f"older {source_language!r} answer (recorded {recorded}, now {current}); "
                        "re-translate it, then run `borderdesk faq stamp`",
                    )
                )
    return FaqEntry(
        id=entry_id,
        topic=topic,
        questions=MappingProxyType(questions),
        answers=MappingProxyType(answers),
        tags=tags,
        data=data,
        path=str(path),
        line=raw.line,
        source_language=source_language,
        translated_from=MappingProxyType(translated_from),
    )


def _language_mapping(raw: LineDict, key: str, where: str, collector: ProblemCollector) -> LineDict | None:
    if key not in raw:
        collector.add(raw.line, f"{where} has no {key!r}")
        return None
    mapping = collector.require_mapping(raw[key], raw.line_of(key), f"{key} of {where}")
    if mapping is None:
        return None
    for language in mapping:
        if language not in SUPPORTED_LANGUAGES:
            collector.add(
                mapping.line_of(language), f"unknown language code {language!r} in {key} of {where}"
            )
    missing = [lang for lang in SUPPORTED_LANGUAGES if lang not in mapping]
    if missing:
        collector.add(raw.line_of(key), f"{where} has no {key} in: {', '.join(missing)}")
    return mapping


def _validate_questions(raw: LineDict, where: str, collector: ProblemCollector) -> dict[str, tuple[str, ...]]:
    mapping = _language_mapping(raw, "questions", where, collector)
    questions: dict[str, tuple[str, ...]] = {}
    if mapping is None:
        return questions
    for language, value in mapping.items():
        line = mapping.line_of(language)
        if value is None or (isinstance(value, list) and not value):
            collector.add(line, f"empty question list for {language!r} in {where}")
            continue
        if isinstance(value, str):
            collector.add(
                line, f"questions for {language!r} in {where} must be a list (start lines with '- ')"
            )
            continue
        items = collector.require_list(value, line, f"questions for {language!r} in {where}")
        if items is None:
            continue
        phrasings: list[str] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            item_line = items.line_of(index)
            text = collector.require_text(item, item_line, f"a question for {language!r} in {where}")
            if text is None:
                continue
            if not normalize(text):
                collector.add(item_line, f"question {text!r} has no letters or digits")
                continue
            key = normalize(text)
            if key in seen:
                collector.add(item_line, f"question {text!r} repeats line {seen[key]} in {where}")
                continue
            seen[key] = item_line
            phrasings.append(text)
        if phrasings and language in SUPPORTED_LANGUAGES:
            questions[language] = tuple(phrasings)
    return questions


def _validate_answers(
    raw: LineDict,
    where: str,
    collector: ProblemCollector,
    data: str | None,
    placeholders: Mapping[str, frozenset[str]],
) -> dict[str, str]:
    mapping = _language_mapping(raw, "answers", where, collector)
    answers: dict[str, str] = {}
    if mapping is None:
        return answers
    allowed = placeholders.get(data, frozenset()) if data else frozenset()
    for language, value in mapping.items():
        line = mapping.line_of(language)
        text = collector.require_text(value, line, f"answer for {language!r} in {where}")
        if text is None:
            continue
        if text.count("{") != text.count("}"):
            collector.add(line, f"unbalanced {{ }} in the {language!r} answer of {where}")
            continue
        for name in placeholder_names(text):
            if not _PLACEHOLDER_NAME_RE.fullmatch(name):
                collector.add(line, f"invalid placeholder {{{name}}} in the {language!r} answer of {where}")
            elif data is None:
                collector.add(
                    line,
                    f"placeholder {{{name}}} in the {language!r} answer of {where} has no data "
                    "(add `data:` naming the data that provides it)",
                )
            elif name not in allowed and data in placeholders:
                offered = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "none"
                collector.add(
                    line,
                    f"placeholder {{{name}}} in the {language!r} answer of {where} is not provided by "
                    f"data {data!r} (it provides: {offered})",
                )
        if language in SUPPORTED_LANGUAGES:
            answers[language] = text
    return answers


def _validate_translated_from(
    raw: LineDict, where: str, source_language: str, collector: ProblemCollector
) -> dict[str, str]:
    if "translated_from" not in raw or raw["translated_from"] is None:
        return {}
    mapping = collector.require_mapping(
        raw["translated_from"], raw.line_of("translated_from"), "translated_from"
    )
    hashes: dict[str, str] = {}
    if mapping is None:
        return hashes
    for language, value in mapping.items():
        line = mapping.line_of(language)
        if language not in SUPPORTED_LANGUAGES:
            collector.add(line, f"unknown language code {language!r} in translated_from of {where}")
            continue
        if language == source_language:
            collector.add(line, f"{language!r} is the source language; it is not translated from anything")
            continue
        recorded = f"{value:08d}" if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(recorded, str) or not _HASH_RE.fullmatch(recorded):
            collector.add(line, f"translated_from {language!r} in {where} must be a hex hash like 9f2c61d0")
            continue
        hashes[language] = recorded
    return hashes


def _cross_entry_problems(entries: list[FaqEntry]) -> list[ContentProblem]:
    """Duplicate ids, and one phrasing used by two entries (the matcher could not tell them apart)."""
    problems: list[ContentProblem] = []
    first_by_id: dict[str, FaqEntry] = {}
    owner_of_phrase: dict[tuple[str, str], FaqEntry] = {}
    for entry in entries:
        first = first_by_id.get(entry.id)
        if first is not None:
            problems.append(
                ContentProblem(
                    entry.path,
                    entry.line,
                    f"duplicate id {entry.id!r} (first defined at {first.path}:{first.line})",
                )
            )
            continue
        first_by_id[entry.id] = entry
        for language, phrasings in entry.questions.items():
            for phrasing in phrasings:
                key = (language, normalize(phrasing))
                owner = owner_of_phrase.setdefault(key, entry)
                if owner is not entry:
                    problems.append(
                        ContentProblem(
                            entry.path,
                            entry.line,
                            f"question {phrasing!r} ({language}) of {entry.id!r} is also a question of "
                            f"{owner.id!r} ({owner.path}:{owner.line}); keep it in one entry only",
                        )
                    )
    return problems


# --- stamping ------------------------------------------------------------------------------------


def stamp_translations(directory: Path) -> int:
    """Record the current source-answer hash for every translation; return how many changed.

    Edits the files in place, touching only the `translated_from` lines so that comments,
    quoting and layout stay as the admin wrote them. Refuses (ContentError) to stamp an invalid
    directory: a hash only means something for a base that loads.
    """
    load_faq_dir(directory)
    stamped = 0
    for path in yaml_files(directory):
        text = path.read_text(encoding="utf-8")
        new_text, count = _stamp_text(text)
        if count:
            path.write_text(new_text, encoding="utf-8")
            stamped += count
    return stamped


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def _stamp_text(text: str) -> tuple[str, int]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return text, 0
    source_language = "en"
    entries_node: yaml.Node | None = None
    for key, value in root.value:
        if key.value == "source_language" and isinstance(value, yaml.ScalarNode):
            source_language = value.value
        elif key.value == "entries":
            entries_node = value
    if not isinstance(entries_node, yaml.SequenceNode):
        return text, 0
    edits: list[_Edit] = []
    count = 0
    for entry_node in entries_node.value:
        if isinstance(entry_node, yaml.MappingNode):
            count += _stamp_entry(text, entry_node, source_language, edits)
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text, count


def _hash_literal(value: str) -> str:
    # An all-digit or exponent-looking hash would load as a number: quote those.
    return value if isinstance(yaml.safe_load(value), str) else f"'{value}'"


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _stamp_entry(text: str, entry: yaml.MappingNode, source_language: str, edits: list[_Edit]) -> int:
    nodes = {key.value: (key, value) for key, value in entry.value if isinstance(key, yaml.ScalarNode)}
    if "answers" not in nodes or not isinstance(nodes["answers"][1], yaml.MappingNode):
        return 0
    answers = {
        k.value: v.value for k, v in nodes["answers"][1].value if isinstance(v, yaml.ScalarNode) and v.value
    }
    if source_language not in answers:
        return 0
    current = source_hash(str(answers[source_language]).strip())
    wanted = [lang for lang in answers if lang != source_language and lang in SUPPORTED_LANGUAGES]
    key_column = entry.value[0][0].start_mark.column
    indent = " " * (key_column + 2)
    existing = nodes.get("translated_from")
    count = 0
    if existing is None or (isinstance(existing[1], yaml.ScalarNode) and not existing[1].value):
        block = "".join(f"{indent}{lang}: {_hash_literal(current)}\n" for lang in wanted)
        if existing is None:
            last_value = entry.value[-1][1]
            insert_at = _after_node(text, last_value)
            edits.append(_Edit(insert_at, insert_at, f"{' ' * key_column}translated_from:\n{block}"))
        else:
            insert_at = _after_node(text, existing[0])
            edits.append(_Edit(insert_at, insert_at, block))
        return len(wanted)
    mapping = existing[1]
    if not isinstance(mapping, yaml.MappingNode):
        return 0
    recorded = {k.value: v for k, v in mapping.value if isinstance(v, yaml.ScalarNode)}
    for lang in wanted:
        node = recorded.get(lang)
        if node is None:
            continue
        value = node.value
        if value != current:
            edits.append(_Edit(node.start_mark.index, node.end_mark.index, _hash_literal(current)))
            count += 1
    missing = [lang for lang in wanted if lang not in recorded]
    if missing:
        if mapping.flow_style:
            close = mapping.end_mark.index - 1  # the closing brace
            sep = ", " if mapping.value else ""
            added = ", ".join(f"{lang}: {_hash_literal(current)}" for lang in missing)
            edits.append(_Edit(close, close, f"{sep}{added}"))
        else:
            item_column = mapping.value[0][0].start_mark.column if mapping.value else key_column + 2
            insert_at = (
                _after_node(text, mapping.value[-1][1]) if mapping.value else _after_node(text, existing[0])
            )
            block = "".join(f"{' ' * item_column}{lang}: {_hash_literal(current)}\n" for lang in missing)
            edits.append(_Edit(insert_at, insert_at, block))
        count += len(missing)
    return count


def _after_node(text: str, node: yaml.Node) -> int:
    """Index of the start of the line after `node` ends (block scalars end on a line start)."""
    # A block collection "ends" where the next token starts; its last leaf ends where it really ends.
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    end = node.end_mark.index
    if end > 0 and text[end - 1] == "\n":
        # Block scalars swallow trailing blank lines; insert right after their last text line.
        while end > 1 and text[end - 2] == "\n":
            end -= 1
        return end
    newline = text.find("\n", end)
    if newline == -1:
        return len(text)
    return newline + 1
