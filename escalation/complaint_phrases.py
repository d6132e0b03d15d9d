"""Complaint phrase files: one YAML file per language, parsed into patterns with `file:line` errors.

The format is described in docs/complaint-phrases.md. Parsing and validation are one pass, so
`check_phrase_dir` reports exactly what `ComplaintDetector.load` would refuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from escalation.complaint_category import ComplaintCategory
from escalation.complaint_text import Matching, normalise_plain, tokenize
from knowledge.content import (
    ContentError,
    ContentProblem,
    LineDict,
    ProblemCollector,
    load_yaml,
    yaml_files,
)
from knowledge.languages import SUPPORTED_LANGUAGES, UNSPACED_LANGUAGES

DEFAULT_GAP = {Matching.WORDS: 4, Matching.CHARACTERS: 8}
MAX_GAP = 20
NUMBER_TOKEN = "<n>"  # noqa: S105 - not "#": YAML would read it as the start of a comment
_GAP = re.compile(r"^\.\.\.(\d+)?$")
_GAP_ANYWHERE = re.compile(r"(\.\.\.\d*|<n>)")
_TOP_KEYS = (
    "language",
    "matching",
    "apostrophes",
    "clitics",
    "negation",
    "questions",
    "conditionals",
    "folds",
    "phrases",
)
_MARKER_KEYS = ("scope", "before", "after", "marks")


class ElementKind(StrEnum):
    WORD = "word"  # exact word (or character, in character matching)
    STEM = "stem"  # any word starting with the text
    NUMBER = "number"  # any number
    GAP = "gap"  # up to `size` tokens of anything, within the sentence


@dataclass(frozen=True)
class Element:
    kind: ElementKind
    text: str = ""
    size: int = 0

    @property
    def key(self) -> str:
        """How the lexicon names what this element matches."""
        return self.text + "*" if self.kind is ElementKind.STEM else self.text


@dataclass(frozen=True)
class Pattern:
    source: str  # as written in the file
    elements: tuple[Element, ...]
    line: int


@dataclass(frozen=True)
class Markers:
    """Words that change the meaning of a nearby phrase, looked for before and after it."""

    scope: int
    before: tuple[Pattern, ...] = ()
    after: tuple[Pattern, ...] = ()
    # Only under `questions`: particles that make a sentence a question without a "?" (Thai
    # "ไหม", Chinese "吗"), so conditionals apply there, but that cancel nothing on their own.
    marks: tuple[Pattern, ...] = ()


@dataclass(frozen=True)
class LanguageRules:
    language: str
    path: str
    matching: Matching
    join_apostrophes: bool
    clitics: tuple[str, ...]
    folds: tuple[tuple[str, str], ...]
    negation: Markers
    questions: Markers
    conditionals: Markers
    phrases: dict[ComplaintCategory, tuple[Pattern, ...]] = field(default_factory=dict)


def apply_folds(word: str, folds: tuple[tuple[str, str], ...]) -> str:
    """Rewrite the letter groups buyers type for one letter ("ae" for "ä") the same way on both sides."""
    for written, meant in folds:
        word = word.replace(written, meant)
    return word


def parse_pattern(
    source: str,
    matching: Matching,
    *,
    join_apostrophes: bool,
    line: int,
    problems: ProblemCollector,
    folds: tuple[tuple[str, str], ...] = (),
) -> Pattern | None:
    """Turn `word stem* ... # word` into elements; reports and returns None when malformed."""
    elements: list[Element] = []
    # "返品...拒否", "<n>日": gaps and numbers need no spaces in languages written without them.
    for piece in _GAP_ANYWHERE.sub(r" \1 ", source).split():
        gap = _GAP.match(piece)
        if gap:
            size = int(gap.group(1)) if gap.group(1) else DEFAULT_GAP[matching]
            if not 1 <= size <= MAX_GAP:
                problems.add(line, f"phrase {source!r}: a gap must be 1 to {MAX_GAP} long, got {size}")
                return None
            elements.append(Element(ElementKind.GAP, size=size))
            continue
        if piece == NUMBER_TOKEN:
            elements.append(Element(ElementKind.NUMBER))
            continue
        stem = piece.endswith("*")
        if stem and matching is Matching.CHARACTERS:
            problems.add(line, f"phrase {source!r}: '*' does nothing in character matching; remove it")
            return None
        words = [
            apply_folds(t.text, folds)
            for t in tokenize(piece.rstrip("*"), matching, join_apostrophes=join_apostrophes).items
        ]
        if not words or "*" in piece.rstrip("*"):
            problems.add(line, f"phrase {source!r}: {piece!r} is not a word ('*' only at the end of a word)")
            return None
        elements.extend(Element(ElementKind.WORD, w) for w in words[:-1])
        elements.append(Element(ElementKind.STEM if stem else ElementKind.WORD, words[-1]))
    if not elements:
        problems.add(line, "empty phrase")
        return None
    if elements[0].kind is ElementKind.GAP or elements[-1].kind is ElementKind.GAP:
        problems.add(line, f"phrase {source!r}: cannot start or end with '...'")
        return None
    letters = sum(len(e.text) for e in elements)
    # One ideograph (煙 smoke, 傷 scratch) is a word; one Latin letter is not.
    ideograph = matching is Matching.CHARACTERS and letters == 1 and not elements[0].text.isascii()
    if letters < 2 and not ideograph:
        problems.add(line, f"phrase {source!r}: too short, it would match almost any message")
        return None
    shortest_stem = 3 if len(elements) == 1 else 2
    if any(e.kind is ElementKind.STEM and len(e.text) < shortest_stem for e in elements):
        problems.add(line, f"phrase {source!r}: a stem with '*' needs at least {shortest_stem} letters")
        return None
    return Pattern(source, tuple(elements), line)


def _pattern_list(
    value: Any,
    line: int,
    where: str,
    *,
    matching: Matching,
    join_apostrophes: bool,
    problems: ProblemCollector,
    folds: tuple[tuple[str, str], ...] = (),
) -> tuple[Pattern, ...]:
    items = problems.require_list(value, line, where)
    if items is None:
        return ()
    patterns: list[Pattern] = []
    seen: dict[tuple[Element, ...], int] = {}
    for index, item in enumerate(items):
        item_line = items.line_of(index)
        if isinstance(item, bool):
            problems.add(item_line, f'phrase in {where} was read as a yes/no value: put it in quotes ("no")')
            continue
        text = problems.require_text(item, item_line, f"phrase in {where}")
        if text is None:
            continue
        pattern = parse_pattern(
            text, matching, join_apostrophes=join_apostrophes, line=item_line, problems=problems, folds=folds
        )
        if pattern is None:
            continue
        if pattern.elements in seen:
            problems.add(item_line, f"phrase {text!r} repeats the one on line {seen[pattern.elements]}")
            continue
        seen[pattern.elements] = item_line
        patterns.append(pattern)
    return tuple(patterns)


def _markers(
    document: LineDict,
    key: str,
    default_scope: int,
    *,
    matching: Matching,
    join_apostrophes: bool,
    problems: ProblemCollector,
    folds: tuple[tuple[str, str], ...] = (),
) -> Markers:
    if key not in document:
        return Markers(default_scope)
    section = problems.require_mapping(document[key], document.line_of(key), key)
    if section is None:
        return Markers(default_scope)
    problems.unknown_keys(section, _MARKER_KEYS, key)
    scope = section.get("scope", default_scope)
    if not isinstance(scope, int) or isinstance(scope, bool) or not 1 <= scope <= MAX_GAP:
        problems.add(section.line_of("scope"), f"{key}.scope must be a whole number from 1 to {MAX_GAP}")
        scope = default_scope
    if "marks" in section and key != "questions":
        problems.add(section.line_of("marks"), f"{key}.marks: only questions have marks")
    lists = {
        side: _pattern_list(
            section[side],
            section.line_of(side),
            f"{key}.{side}",
            matching=matching,
            join_apostrophes=join_apostrophes,
            problems=problems,
            folds=folds,
        )
        if side in section and section[side] is not None
        else ()
        for side in ("before", "after", "marks")
    }
    return Markers(scope, lists["before"], lists["after"], lists["marks"] if key == "questions" else ())


def _folds(doc: LineDict, problems: ProblemCollector) -> tuple[tuple[str, str], ...]:
    if "folds" not in doc:
        return ()
    fold_map = problems.require_mapping(doc["folds"], doc.line_of("folds"), "folds")
    if fold_map is None:
        return ()
    folds: list[tuple[str, str]] = []
    for written, meant in fold_map.items():
        if not isinstance(written, str) or not isinstance(meant, str) or not written.strip():
            problems.add(fold_map.line_of(written), "folds: write letters: letters, like  ae: a")
            continue
        folds.append((normalise_plain(written), normalise_plain(meant)))
    return tuple(folds)


def parse_phrase_file(path: Path, problems: ProblemCollector) -> LanguageRules | None:
    """Read one language file; every problem goes to `problems` (returns None if unusable)."""
    try:
        document = load_yaml(path, display_path=problems.path)
    except ContentError as error:
        problems.problems.extend(error.problems)
        return None
    doc = problems.require_mapping(document, 1, "a complaint phrase file")
    if doc is None:
        return None
    problems.unknown_keys(doc, _TOP_KEYS, "a complaint phrase file")
    language = doc.get("language")
    if language not in SUPPORTED_LANGUAGES:
        supported = " ".join(SUPPORTED_LANGUAGES)
        problems.add(doc.line_of("language"), f"language must be one of: {supported}; got {language!r}")
        return None
    default_matching = Matching.CHARACTERS if language in UNSPACED_LANGUAGES else Matching.WORDS
    matching = default_matching
    if "matching" in doc:
        try:
            matching = Matching(doc["matching"])
        except ValueError:
            problems.add(doc.line_of("matching"), "matching must be 'words' or 'characters'")
    apostrophes = doc.get("apostrophes", "split")
    if apostrophes not in {"split", "join"}:
        problems.add(doc.line_of("apostrophes"), "apostrophes must be 'split' or 'join'")
    join = apostrophes == "join"
    clitics: list[str] = []
    if "clitics" in doc:
        clitic_list = problems.require_list(doc["clitics"], doc.line_of("clitics"), "clitics")
        for index, item in enumerate(clitic_list or ()):
            assert clitic_list is not None
            text = problems.require_text(item, clitic_list.line_of(index), "clitic")
            if text is not None:
                clitics.append(normalise_plain(text))
    folds = _folds(doc, problems)
    word_scope = matching is Matching.WORDS
    options: dict[str, Any] = {
        "matching": matching,
        "join_apostrophes": join,
        "problems": problems,
        "folds": folds,
    }
    negation = _markers(doc, "negation", 3 if word_scope else 4, **options)
    questions = _markers(doc, "questions", 8 if word_scope else 15, **options)
    conditionals = _markers(doc, "conditionals", questions.scope, **options)
    phrases: dict[ComplaintCategory, tuple[Pattern, ...]] = {}
    section = problems.require_mapping(doc.get("phrases"), doc.line_of("phrases"), "phrases")
    if section is not None:
        for name, value in section.items():
            line = section.line_of(name)
            try:
                category = ComplaintCategory(name)
            except ValueError:
                known = ", ".join(c.value for c in ComplaintCategory)
                problems.add(line, f"unknown category {name!r} (expected one of: {known})")
                continue
            phrases[category] = _pattern_list(value, line, f"phrases.{name}", **options)
    return LanguageRules(
        language=language,
        path=problems.path,
        matching=matching,
        join_apostrophes=join,
        clitics=tuple(sorted(set(clitics), key=len, reverse=True)),
        folds=folds,
        negation=negation,
        questions=questions,
        conditionals=conditionals,
        phrases=phrases,
    )


def parse_phrase_dir(directory: Path) -> tuple[list[LanguageRules], list[ContentProblem]]:
    """All language files of a directory, and every problem found in any of them."""
    rules: list[LanguageRules] = []
    problems: list[ContentProblem] = []
    if not directory.is_dir():
        return [], [ContentProblem(str(directory), 1, "not a directory")]
    files = yaml_files(directory)
    if not files:
        problems.append(ContentProblem(str(directory), 1, "no complaint phrase files (*.yaml)"))
    first_file: dict[str, str] = {}
    for path in files:
        collector = ProblemCollector(str(path))
        parsed = parse_phrase_file(path, collector)
        problems.extend(collector.problems)
        if parsed is None:
            continue
        if parsed.language in first_file:
            collector.add(
                1, f"language {parsed.language!r} is already defined in {first_file[parsed.language]}"
            )
            problems.extend(collector.problems[-1:])
            continue
        first_file[parsed.language] = str(path)
        rules.append(parsed)
    return rules, problems
