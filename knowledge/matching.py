"""Fuzzy matching of a buyer's message against the FAQ phrasings of every language.

Scoring (all parts in 0..1, pre-processed once per base):
- character n-gram TF-IDF cosine against each phrasing; an entry counts with its best phrasing.
  IDF is computed per language with *entries* as documents, so words every entry uses ("how",
  "can i", "do you") weigh little and an entry's own keywords weigh a lot; n-grams survive
  inflection, typos and missing spaces (zh/ja/th use character uni/bi/tri-grams).
- the same cosine against the entry as a whole (all its phrasings in that language), so keywords
  spread over several phrasings still add up;
- rapidfuzz similarity of the normalised strings (token_set_ratio for spaced scripts, plain
  ratio without spaces for unspaced ones) for the best few candidates, which rewards
  near-verbatim phrasings.

The buyer's language is searched first; when it yields no confident answer the other languages
are searched too (mixed-language messages, wrong detection), with a small penalty.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from rapidfuzz import fuzz

from knowledge.faq import FaqBase
from knowledge.languages import SUPPORTED_LANGUAGES, UNSPACED_LANGUAGES
from knowledge.normalize import char_ngrams, normalize

# Measured on the development set with the sample base (docs/faq-format.md, "How questions are matched").
DEFAULT_ANSWER_THRESHOLD: Final[float] = 0.40
DEFAULT_SUGGEST_THRESHOLD: Final[float] = 0.30

# Languages whose accents separate words that are otherwise spelt the same.
ACCENTED_LANGUAGES: Final[frozenset[str]] = frozenset({"vi"})


class MatchKind(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True)
class FaqMatch:
    """The outcome for one message: the answer, "did you mean" choices, or nothing."""

    kind: MatchKind
    entry_id: str | None
    score: float
    suggestions: tuple[str, ...]  # ids, best first, at most 3 (the answer itself comes first)


@dataclass(frozen=True)
class MatchTuning:
    """Weights of the scoring parts; the defaults are the measured ones."""

    phrase_weight: float = 0.35
    entry_weight: float = 0.35
    fuzzy_weight: float = 0.30
    # Query n-grams the language's base never uses (product names, countries…) still count in the
    # query's length, at this share of the rarest known n-gram's weight.
    unseen_share: float = 0.3
    other_language_penalty: float = 0.9
    min_known_share: float = 0.5
    # A confident answer must beat the runner-up entry by this much; otherwise ask.
    margin: float = 0.03
    candidates: int = 8
    max_suggestions: int = 3


@dataclass(frozen=True)
class _Query:
    text: str  # normalised
    grams: Counter[str]
    accented: _Query | None = None  # the same message with its accents kept, when it has any

    @property
    def compact(self) -> str:
        return self.text.replace(" ", "")


def _prepare(text: str) -> _Query:
    plain = normalize(text)
    marked = normalize(text, keep_accents=True)
    accented = _Query(marked, Counter(char_ngrams(marked))) if marked != plain else None
    return _Query(plain, Counter(char_ngrams(plain)), accented)


class _LanguageIndex:
    """Pre-processed phrasings of one language, stored flat so that large bases stay compact.

    Grams are numbered per language; each phrasing is a slice of two flat arrays (gram ids and
    counts); each gram has a posting list of (entry, weight) for ranking entries quickly.
    """

    def __init__(self, language: str, per_entry: Sequence[tuple[int, Sequence[str]]], tuning: MatchTuning):
        self.language = language
        self.unspaced = language in UNSPACED_LANGUAGES
        self.accented = language in ACCENTED_LANGUAGES
        self.tuning = tuning
        gram_ids: dict[str, int] = {}
        document_frequency: list[int] = []
        prepared: list[tuple[int, list[tuple[str, Counter[int]]]]] = []
        for entry, questions in per_entry:
            phrasings: list[tuple[str, Counter[int]]] = []
            seen: set[int] = set()
            variants = [normalize(q) for q in questions]
            if self.accented:
                # Buyers type Vietnamese with or without tone marks: index both spellings.
                variants += [
                    v for v in (normalize(q, keep_accents=True) for q in questions) if v not in variants
                ]
            for text in variants:
                counts: Counter[int] = Counter()
                for gram in char_ngrams(text):
                    gid = gram_ids.setdefault(gram, len(gram_ids))
                    if gid == len(document_frequency):
                        document_frequency.append(0)
                    counts[gid] += 1
                seen.update(counts)
                phrasings.append((text, counts))
            for gid in seen:
                document_frequency[gid] += 1
            prepared.append((entry, phrasings))
        entries = len(prepared)
        self.gram_ids = gram_ids
        # Entries are the documents: words every entry uses ("how", "can i") weigh little.
        self.idf = [math.log((entries + 1) / (df + 0.5)) for df in document_frequency]
        self.unseen_idf = math.log((entries + 1) / 0.5) * tuning.unseen_share
        # Posting lists longer than this are skipped when *collecting* candidates (their grams are
        # in a large share of entries and barely rank anything); candidates are scored exactly.
        self.common_cutoff = max(64, entries // 10)
        self.texts: list[str] = []
        self.phrase_start = array("i")
        self.phrase_norm = array("d")
        self.flat_grams = array("i")
        self.flat_counts = array("H")
        self.entry_phrases: dict[int, range] = {}
        self.entry_norm: dict[int, float] = {}
        postings: dict[int, tuple[array[int], array[float]]] = {}
        weight = self._weight
        for entry, phrasings in prepared:
            first = len(self.texts)
            totals: Counter[int] = Counter()
            for text, counts in phrasings:
                self.texts.append(text.replace(" ", "") if self.unspaced else text)
                self.phrase_start.append(len(self.flat_grams))
                self.flat_grams.extend(counts.keys())
                self.flat_counts.extend(min(c, 65535) for c in counts.values())
                self.phrase_norm.append(_norm([weight(g, c) for g, c in counts.items()]))
                totals.update(counts)
            self.entry_phrases[entry] = range(first, len(self.texts))
            self.entry_norm[entry] = _norm([weight(g, c) for g, c in totals.items()])
            for gid, count in totals.items():
                ids, weights = postings.setdefault(gid, (array("i"), array("f")))
                ids.append(entry)
                weights.append(weight(gid, count))
        self.phrase_start.append(len(self.flat_grams))
        self.postings = postings

    def _weight(self, gid: int, count: int) -> float:
        return self.idf[gid] if count == 1 else (1.0 + math.log(count)) * self.idf[gid]

    def known_share(self, query: _Query) -> float:
        """Share of the query's n-grams this language's phrasings use at all."""
        total = sum(query.grams.values())
        known = sum(count for gram, count in query.grams.items() if gram in self.gram_ids)
        return known / total if total else 0.0

    def score(self, query: _Query) -> dict[int, float]:
        """Scores of the best candidate entries of this language for one query."""
        if self.accented and query.accented is not None:
            query = query.accented
        tuning = self.tuning
        vector: dict[int, float] = {}
        unseen = 0.0
        for gram, count in query.grams.items():
            gid = self.gram_ids.get(gram)
            if gid is None:
                unseen += ((1.0 + math.log(count)) * self.unseen_idf) ** 2
            else:
                vector[gid] = self._weight(gid, count)
        if not vector:
            return {}
        norm = math.sqrt(unseen + sum(w * w for w in vector.values()))
        candidates = self._candidates(vector)
        scores: dict[int, float] = {}
        for entry in candidates:
            best_phrase = best_fuzzy = 0.0
            totals: Counter[int] = Counter()
            for index in self.entry_phrases[entry]:
                start, stop = self.phrase_start[index], self.phrase_start[index + 1]
                dot = 0.0
                for gid, count in zip(self.flat_grams[start:stop], self.flat_counts[start:stop], strict=True):
                    if gid in vector:
                        dot += vector[gid] * self._weight(gid, count)
                        totals[gid] += count
                best_phrase = max(best_phrase, dot / (norm * self.phrase_norm[index]))
                best_fuzzy = max(
                    best_fuzzy, self._fuzzy(query.compact if self.unspaced else query.text, index)
                )
            entry_dot = sum(vector[gid] * self._weight(gid, count) for gid, count in totals.items())
            scores[entry] = (
                tuning.phrase_weight * best_phrase
                + tuning.entry_weight * entry_dot / (norm * self.entry_norm[entry])
                + tuning.fuzzy_weight * best_fuzzy
            )
        return scores

    def _candidates(self, vector: dict[int, float]) -> list[int]:
        """The entries most similar to the query vector as a whole (approximate for huge bases)."""
        entry_dots: dict[int, float] = {}
        skipped = False
        for gid, weight in vector.items():
            ids, weights = self.postings[gid]
            if len(ids) > self.common_cutoff:
                skipped = True
                continue
            for entry, entry_weight in zip(ids, weights, strict=True):
                entry_dots[entry] = entry_dots.get(entry, 0.0) + weight * entry_weight
        if not entry_dots and skipped:
            # Only very common n-grams: rank by all of them rather than by none.
            for gid, weight in vector.items():
                ids, weights = self.postings[gid]
                for entry, entry_weight in zip(ids, weights, strict=True):
                    entry_dots[entry] = entry_dots.get(entry, 0.0) + weight * entry_weight
        norms = self.entry_norm
        return heapq.nlargest(self.tuning.candidates, entry_dots, key=lambda e: entry_dots[e] / norms[e])

    def _fuzzy(self, query: str, index: int) -> float:
        if self.unspaced:
            return fuzz.ratio(query, self.texts[index]) / 100.0
        return fuzz.token_set_ratio(query, self.texts[index]) / 100.0


def _norm(weights: list[float]) -> float:
    return math.sqrt(sum(w * w for w in weights)) or 1.0


class FaqMatcher:
    """Matches buyer messages against an FAQ base; build once per base (pre-processing is here)."""

    def __init__(
        self,
        base: FaqBase,
        *,
        answer_threshold: float,
        suggest_threshold: float,
        tuning: MatchTuning | None = None,
    ) -> None:
        if not 0.0 <= suggest_threshold <= answer_threshold:
            raise ValueError("thresholds must satisfy 0 <= suggest_threshold <= answer_threshold")
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self.tuning = tuning or MatchTuning()
        self._ids = [entry.id for entry in base.entries]
        self._indexes: dict[str, _LanguageIndex] = {}
        for language in SUPPORTED_LANGUAGES:
            per_entry = [
                (number, entry.questions[language])
                for number, entry in enumerate(base.entries)
                if entry.questions.get(language)
            ]
            if per_entry:
                self._indexes[language] = _LanguageIndex(language, per_entry, self.tuning)

    def match(self, text: str, language: str) -> FaqMatch:
        """Best entry for `text` written in `language` (any code; unknown ones search everything)."""
        prepared = _prepare(text)
        if not prepared.text:
            return FaqMatch(MatchKind.NONE, None, 0.0, ())
        scores: dict[int, float] = {}
        own = self._indexes.get(language)
        if own is not None:
            scores = own.score(prepared)
            outcome = self._decide(scores)
            if outcome.score >= self.answer_threshold:
                return outcome
        # Other languages help with mixed-language messages and wrong detection; one that does not
        # even use most of the message's n-grams cannot match it, so it is not scored at all.
        penalty = self.tuning.other_language_penalty if own is not None else 1.0
        for index in self._indexes.values():
            if index is own or index.known_share(prepared) < self.tuning.min_known_share:
                continue
            for entry, score in index.score(prepared).items():
                scores[entry] = max(scores.get(entry, 0.0), score * penalty)
        return self._decide(scores)

    def scores(self, text: str, language: str) -> list[tuple[str, float]]:
        """Buyer-language scores of the candidate entries, best first (for reports and tuning)."""
        prepared = _prepare(text)
        index = self._indexes.get(language)
        if not prepared.text or index is None:
            return []
        ranked = index.score(prepared)
        return sorted(((self._ids[e], s) for e, s in ranked.items()), key=lambda item: -item[1])

    def _decide(self, scores: dict[int, float]) -> FaqMatch:
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        if not ranked:
            return FaqMatch(MatchKind.NONE, None, 0.0, ())
        best_entry, best = ranked[0]
        choices = tuple(
            self._ids[entry]
            for entry, score in ranked[: self.tuning.max_suggestions]
            if score >= self.suggest_threshold
        )
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if best >= self.answer_threshold and best - runner_up >= self.tuning.margin:
            return FaqMatch(MatchKind.ANSWER, self._ids[best_entry], best, choices)
        if best >= self.suggest_threshold:
            return FaqMatch(MatchKind.SUGGEST, None, best, choices)
        return FaqMatch(MatchKind.NONE, None, best, ())
