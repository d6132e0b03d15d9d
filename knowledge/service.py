"""The knowledge facade the conversation engine uses: one immutable snapshot of FAQ + data.

`Knowledge.answer` tries the structured answerer first (it only answers concrete questions such
as "EU 42 in US?"), then the FAQ matcher. `KnowledgeHolder` keeps the last good snapshot while
admins edit files, swapping in a new one only when it loads cleanly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.content import ContentError, ContentHolder, ContentProblem
from knowledge.faq import DOCUMENTED_PLACEHOLDERS, FaqBase, FaqEntry, fill_placeholders, load_faq_dir
from knowledge.languages import SUPPORTED_LANGUAGES
from knowledge.matching import (
    DEFAULT_ANSWER_THRESHOLD,
    DEFAULT_SUGGEST_THRESHOLD,
    FaqMatcher,
    MatchKind,
    MatchTuning,
)
from knowledge.structured import StructuredData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KnowledgeAnswer:
    entry_id: str
    text: str
    score: float
    source: str  # "faq" | "sizes" | "shipping" | "duty"


@dataclass(frozen=True)
class Suggestion:
    entry_id: str
    title: str  # the entry's first question in the buyer's language


@dataclass(frozen=True)
class KnowledgeSuggestions:
    choices: tuple[Suggestion, ...]
    score: float


@dataclass(frozen=True)
class KnowledgeNoMatch:
    score: float


KnowledgeOutcome = KnowledgeAnswer | KnowledgeSuggestions | KnowledgeNoMatch


@dataclass(frozen=True)
class Knowledge:
    """An immutable snapshot: safe to share between concurrent conversations."""

    faq: FaqBase
    matcher: FaqMatcher
    structured: StructuredData | None = None

    def answer(self, text: str, language: str, *, country: str | None = None) -> KnowledgeOutcome:
        if self.structured is not None:
            computed = self.structured.answer(text, language, country)
            if computed is not None:
                return KnowledgeAnswer(computed.faq_id, computed.text, 1.0, computed.kind)
        match = self.matcher.match(text, language)
        if match.kind is MatchKind.ANSWER and match.entry_id is not None:
            found = self.answer_entry(match.entry_id, language, country=country, score=match.score)
            if found is not None:
                return found
        if match.kind is MatchKind.SUGGEST:
            shown = language if language in SUPPORTED_LANGUAGES else None
            choices = tuple(
                Suggestion(entry.id, entry.title_in(shown or entry.source_language))
                for entry in (self.faq.get(entry_id) for entry_id in match.suggestions)
                if entry is not None
            )
            return KnowledgeSuggestions(choices, match.score)
        return KnowledgeNoMatch(match.score)

    def answer_entry(
        self, entry_id: str, language: str, *, country: str | None = None, score: float = 1.0
    ) -> KnowledgeAnswer | None:
        """The answer of one entry (e.g. a "did you mean" choice the buyer picked)."""
        entry = self.faq.get(entry_id)
        if entry is None:
            return None
        return KnowledgeAnswer(entry.id, self._render(entry, language, country), score, "faq")

    def _render(self, entry: FaqEntry, language: str, country: str | None) -> str:
        shown = language if language in SUPPORTED_LANGUAGES else entry.source_language
        template = entry.answer_in(shown)
        if self.structured is None or entry.data is None:
            return template
        return fill_placeholders(template, self.structured.placeholders(shown, country))


def load_knowledge(
    faq_dir: Path,
    data_dir: Path | None,
    *,
    answer_threshold: float = DEFAULT_ANSWER_THRESHOLD,
    suggest_threshold: float = DEFAULT_SUGGEST_THRESHOLD,
    tuning: MatchTuning | None = None,
) -> Knowledge:
    """Load FAQ files (and structured data when `data_dir` is given) into one snapshot.

    Raises ContentError carrying every problem of the data files and the FAQ files together.
    """
    problems: list[ContentProblem] = []
    structured: StructuredData | None = None
    placeholders: Mapping[str, frozenset[str]] = DOCUMENTED_PLACEHOLDERS
    if data_dir is not None:
        try:
            structured = StructuredData.load(data_dir)
            placeholders = structured.placeholder_names
        except ContentError as exc:
            problems.extend(exc.problems)
    try:
        faq = load_faq_dir(faq_dir, placeholders=placeholders)
    except ContentError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    matcher = FaqMatcher(
        faq, answer_threshold=answer_threshold, suggest_threshold=suggest_threshold, tuning=tuning
    )
    return Knowledge(faq=faq, matcher=matcher, structured=structured)


# The live-reload holder of the current good Knowledge snapshot.
KnowledgeHolder = ContentHolder[Knowledge]
