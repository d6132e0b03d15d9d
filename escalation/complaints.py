"""Complaint detection: is this buyer message a complaint, about what, and how urgent.

Phrases live in admin-editable YAML files, one per language (see docs/complaint-phrases.md);
this module loads them, runs them over a message, and picks the most urgent complaint found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from escalation.complaint_category import CATEGORY_PRIORITY, ComplaintCategory
from escalation.complaint_matching import Hit, LanguageMatcher
from escalation.complaint_phrases import parse_phrase_dir
from escalation.complaint_text import Matching, Tokens, tokenize
from escalation.priority import Priority
from knowledge.content import ContentError, ContentProblem

__all__ = [
    "CATEGORY_PRIORITY",
    "Complaint",
    "ComplaintCategory",
    "ComplaintDetector",
    "apply_vip",
    "check_phrase_dir",
]

# Buyers mix English into every language ("hàng fake", "chargeback"), so English phrases are
# always tried next to the buyer's own language.
_LINGUA_FRANCA = "en"
_CATEGORY_ORDER = {category: index for index, category in enumerate(ComplaintCategory)}
# Within one priority a specific diagnosis beats a generic one: a parcel "stuck at customs" is a
# customs case, though "stuck" alone says tracking and "still not here" says late.
_SPECIFICITY = {
    ComplaintCategory.CUSTOMS_HELD: 0,
    ComplaintCategory.TRACKING_STUCK: 1,
    ComplaintCategory.LATE_DELIVERY: 2,
}


@dataclass(frozen=True)
class Complaint:
    priority: Priority
    category: ComplaintCategory
    matched: tuple[str, ...]  # the phrases that matched, as written by the buyer


class ComplaintDetector:
    """Detects complaints in buyer messages from per-language phrase rules."""

    def __init__(self, matchers: dict[str, LanguageMatcher]) -> None:
        self._matchers = matchers

    @classmethod
    def load(cls, directory: Path) -> ComplaintDetector:
        """Load every language file of `directory`; raises ContentError listing every problem."""
        rules, problems = parse_phrase_dir(directory)
        if problems:
            raise ContentError(problems)
        return cls({r.language: LanguageMatcher(r) for r in rules})

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._matchers)

    def detect(self, text: str, language: str | None = None) -> Complaint | None:
        """The most urgent complaint in `text`, or None. Without a known language, all are tried."""
        if language in self._matchers:
            names = [language]
            if language != _LINGUA_FRANCA and _LINGUA_FRANCA in self._matchers:
                names.append(_LINGUA_FRANCA)
        else:
            names = list(self._matchers)
        tokenized: dict[tuple[Matching, bool], Tokens] = {}
        found: list[tuple[Hit, Tokens]] = []
        for name in names:
            matcher = self._matchers[name]
            mode = (matcher.rules.matching, matcher.rules.join_apostrophes)
            if mode not in tokenized:
                tokenized[mode] = tokenize(text, mode[0], join_apostrophes=mode[1])
            tokens = tokenized[mode]
            also = [self._matchers[n] for n in names if n != name and name == _LINGUA_FRANCA]
            own_language = language is None or name == language
            found += [(hit, tokens) for hit in matcher.complaints(tokens, also, fuzzy=own_language)]
        if not found:
            return None
        found.sort(key=lambda pair: pair[0].start)
        best, _ = min(found, key=lambda pair: _urgency(pair[0]))
        assert best.category is not None
        matched: list[str] = []
        for hit, tokens in found:
            words = text[tokens.items[hit.start].start : tokens.items[hit.end - 1].end]
            if words not in matched:
                matched.append(words)
        return Complaint(best.category.priority, best.category, tuple(matched))


def _urgency(hit: Hit) -> tuple[int, int, int, int]:
    assert hit.category is not None
    return (
        hit.category.priority.rank,
        _SPECIFICITY.get(hit.category, 0),
        -len(hit.positions),
        _CATEGORY_ORDER[hit.category],
    )


def check_phrase_dir(directory: Path) -> list[ContentProblem]:
    """Every problem in a phrase directory as `file:line: message` items (empty when valid)."""
    _, problems = parse_phrase_dir(directory)
    return sorted(problems)


def apply_vip(priority: Priority, *, vip: bool) -> Priority:
    """VIP buyers move up one level (P1 stays P1); who is VIP is configuration, not decided here."""
    return priority.raised() if vip else priority
