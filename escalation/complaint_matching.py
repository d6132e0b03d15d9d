"""Finding complaint phrases in one message, for one language, with negation and hypothetical scope.

Each token of the message is mapped once to the lexicon entries it stands for (exact word, stem,
clitic-stripped word, or a near miss by edit distance for typos), then patterns are walked over
those keys. Negators and question markers are patterns too, so admins write them the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, auto

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from escalation.complaint_category import THREAT_CATEGORIES, ComplaintCategory
from escalation.complaint_phrases import Element, ElementKind, LanguageRules, Pattern, apply_folds
from escalation.complaint_text import Matching, Tokens

# Typos are only corrected on words long enough that one slip does not turn them into another word.
_FUZZY_MIN_LENGTH = 6
_TWO_EDITS_MIN_LENGTH = 9
_FIXED_PREFIX = 3


class Role(Enum):
    COMPLAINT = auto()
    NEGATION_BEFORE = auto()
    NEGATION_AFTER = auto()
    QUESTION_BEFORE = auto()
    QUESTION_AFTER = auto()
    QUESTION_MARK = auto()
    CONDITIONAL_BEFORE = auto()
    CONDITIONAL_AFTER = auto()


@dataclass(frozen=True)
class Hit:
    pattern: Pattern
    role: Role
    category: ComplaintCategory | None
    start: int  # first token
    end: int  # one past the last token
    positions: frozenset[int]  # tokens matched by words (not by gaps)


@dataclass(frozen=True)
class _Entry:
    pattern: Pattern
    role: Role
    category: ComplaintCategory | None


def _allowed_edits(length: int) -> int:
    if length < _FUZZY_MIN_LENGTH:
        return 0
    return 2 if length >= _TWO_EDITS_MIN_LENGTH else 1


class LanguageMatcher:
    """The compiled phrase rules of one language."""

    def __init__(self, rules: LanguageRules) -> None:
        self.rules = rules
        self.language = rules.language
        entries: list[_Entry] = [
            _Entry(pattern, Role.COMPLAINT, category)
            for category, patterns in rules.phrases.items()
            for pattern in patterns
        ]
        for markers, before, after in (
            (rules.negation, Role.NEGATION_BEFORE, Role.NEGATION_AFTER),
            (rules.questions, Role.QUESTION_BEFORE, Role.QUESTION_AFTER),
            (rules.conditionals, Role.CONDITIONAL_BEFORE, Role.CONDITIONAL_AFTER),
        ):
            entries += [_Entry(p, before, None) for p in markers.before]
            entries += [_Entry(p, after, None) for p in markers.after]
        entries += [_Entry(p, Role.QUESTION_MARK, None) for p in rules.questions.marks]
        self._index: dict[str, list[_Entry]] = defaultdict(list)
        self._words: set[str] = set()
        self._stems: dict[int, set[str]] = defaultdict(set)
        for entry in entries:
            first = entry.pattern.elements[0]
            self._index["#" if first.kind is ElementKind.NUMBER else first.key].append(entry)
            for element in entry.pattern.elements:
                if element.kind is ElementKind.WORD:
                    self._words.add(element.text)
                elif element.kind is ElementKind.STEM:
                    self._stems[len(element.text)].add(element.text)
        self._fuzzy_words = sorted(w for w in self._words if len(w) >= _FUZZY_MIN_LENGTH)
        self._fuzzy_stems = {
            length: sorted(stems) for length, stems in self._stems.items() if length >= _FUZZY_MIN_LENGTH
        }
        self._keys_cache: dict[tuple[str, bool], frozenset[str]] = {}

    # -- tokens to lexicon keys ---------------------------------------------------------------

    def keys(self, word: str, *, fuzzy: bool = True) -> frozenset[str]:
        cached = self._keys_cache.get((word, fuzzy))
        if cached is None:
            cached = self._compute_keys(word, fuzzy)
            if len(self._keys_cache) < 100_000:
                self._keys_cache[(word, fuzzy)] = cached
        return cached

    def _compute_keys(self, word: str, fuzzy: bool) -> frozenset[str]:
        if self.rules.matching is Matching.CHARACTERS:
            return frozenset({word})
        word = apply_folds(word, self.rules.folds)
        variants = {word}
        for clitic in self.rules.clitics:
            # A stripped prefix must leave more than itself ("البس" is a verb, not "ال" + "بس").
            if word.startswith(clitic) and len(word) - len(clitic) > max(1, len(clitic)):
                variants.add(word[len(clitic) :])
        keys: set[str] = set()
        for variant in variants:
            if variant in self._words:
                keys.add(variant)
            for length, stems in self._stems.items():
                if len(variant) >= length and variant[:length] in stems:
                    keys.add(variant[:length] + "*")
        if fuzzy and not keys and not word.isdigit():
            for variant in variants:
                keys |= self._near_misses(variant)
        return frozenset(keys)

    def _near_misses(self, word: str) -> set[str]:
        keys: set[str] = set()
        if len(word) >= _FUZZY_MIN_LENGTH - 1:
            for choice, distance, _ in process.extract(
                word, self._fuzzy_words, scorer=Levenshtein.distance, score_cutoff=2, limit=None
            ):
                # Slips rarely hit the first letters; "mexico" is not a typo of "medico".
                if distance <= _allowed_edits(len(choice)) and choice[:_FIXED_PREFIX] == word[:_FIXED_PREFIX]:
                    keys.add(choice)
        for length, stems in self._fuzzy_stems.items():
            edits = _allowed_edits(length)
            if len(word) < length:
                continue
            # Only slips inside the stem: an extra or missing letter would shift the inflection
            # into the comparison and match unrelated words ("робити" is not "розбит-ий").
            for choice, _, _ in process.extract(
                word[:length], stems, scorer=Levenshtein.distance, score_cutoff=edits, limit=None
            ):
                if choice[:_FIXED_PREFIX] == word[:_FIXED_PREFIX] and word[:length].endswith(choice[-2:]):
                    keys.add(choice + "*")
        return keys

    # -- patterns over tokens ------------------------------------------------------------------

    def hits(self, tokens: Tokens, *, fuzzy: bool = True) -> list[Hit]:
        """Every pattern occurrence; `fuzzy=False` when reading another language's message, where a
        near miss is more likely a foreign word than a typo ("remboursement" is not "reimburse")."""
        items = tokens.items
        keys = [self.keys(t.text, fuzzy=fuzzy) for t in items]
        found: list[Hit] = []
        for position, token in enumerate(items):
            first_keys = set(keys[position])
            if token.is_number:
                first_keys.add("#")
            for key in first_keys:
                for entry in self._index.get(key, ()):
                    matched = self._walk(
                        entry.pattern.elements, 1, position + 1, tokens=tokens, keys=keys, matched=[position]
                    )
                    if matched is not None:
                        found.append(
                            Hit(
                                entry.pattern,
                                entry.role,
                                entry.category,
                                position,
                                max(matched) + 1,
                                frozenset(matched),
                            )
                        )
        return found

    def _walk(
        self,
        elements: tuple[Element, ...],
        index: int,
        position: int,
        *,
        tokens: Tokens,
        keys: list[frozenset[str]],
        matched: list[int],
    ) -> list[int] | None:
        if index == len(elements):
            return matched
        items = tokens.items
        sentence = items[matched[0]].sentence
        element = elements[index]
        if element.kind is ElementKind.GAP:
            for skip in range(element.size + 1):
                at = position + skip
                if at >= len(items) or items[at].sentence != sentence:
                    return None
                result = self._walk(elements, index + 1, at, tokens=tokens, keys=keys, matched=matched)
                if result is not None:
                    return result
            return None
        if position >= len(items) or items[position].sentence != sentence:
            return None
        if element.kind is ElementKind.NUMBER:
            if not items[position].is_number:
                return None
        elif element.key not in keys[position]:
            return None
        return self._walk(
            elements, index + 1, position + 1, tokens=tokens, keys=keys, matched=[*matched, position]
        )

    # -- which complaint hits stand ------------------------------------------------------------

    def complaints(
        self, tokens: Tokens, also: Sequence[LanguageMatcher] = (), *, fuzzy: bool = True
    ) -> list[Hit]:
        """Complaint hits that are neither negated nor part of a hypothetical question.

        `also`: matchers whose negators and question markers apply too: the message's own language
        when this matcher is the English fallback ("vocês vendem replica?").
        """
        hits = self.hits(tokens, fuzzy=fuzzy)
        markers: dict[Role, list[tuple[Hit, int]]] = defaultdict(list)
        for matcher in (self, *also):
            scopes = {
                Role.NEGATION_BEFORE: matcher.rules.negation.scope,
                Role.NEGATION_AFTER: matcher.rules.negation.scope,
                Role.QUESTION_BEFORE: matcher.rules.questions.scope,
                Role.QUESTION_AFTER: matcher.rules.questions.scope,
                Role.QUESTION_MARK: matcher.rules.questions.scope,
                Role.CONDITIONAL_BEFORE: matcher.rules.conditionals.scope,
                Role.CONDITIONAL_AFTER: matcher.rules.conditionals.scope,
            }
            for hit in hits if matcher is self else matcher.hits(tokens):
                if hit.role is not Role.COMPLAINT:
                    markers[hit.role].append((hit, scopes[hit.role]))
        items = tokens.items
        question_sentences = set(tokens.question_sentences)
        for role in (Role.QUESTION_BEFORE, Role.QUESTION_AFTER, Role.QUESTION_MARK):
            question_sentences |= {items[h.start].sentence for h, _ in markers[role]}

        def near(role_before: Role, role_after: Role, hit: Hit, unit: str, *, overlap: bool = False) -> bool:
            for marker, scope in markers[role_before]:
                # `overlap`: a marker may share its last words with the phrase: "ขายของ" (do you
                # sell) + "ของปลอม" (fakes) in an unspaced "ขายของปลอมไหม".
                before = marker.end <= hit.start or (
                    overlap and marker.start < hit.start < marker.end < hit.end
                )
                if (
                    before
                    and hit.start - marker.end <= scope
                    and getattr(items[marker.start], unit) == getattr(items[hit.start], unit)
                ):
                    return True
            return any(
                marker.start >= hit.end
                and marker.start - hit.end <= scope
                and getattr(items[marker.start], unit) == getattr(items[hit.end - 1], unit)
                for marker, scope in markers[role_after]
            )

        standing: list[Hit] = []
        negated_positions = {p for h, _ in markers[Role.NEGATION_BEFORE] for p in h.positions}
        for hit in (h for h in hits if h.role is Role.COMPLAINT):
            if near(Role.NEGATION_BEFORE, Role.NEGATION_AFTER, hit, "clause"):
                continue
            # "ordered … never received" is not "ordered X, received Y": a negator in a gap undoes it.
            gaps = set(range(hit.start, hit.end)) - hit.positions
            if gaps & negated_positions:
                continue
            if near(Role.QUESTION_BEFORE, Role.QUESTION_AFTER, hit, "sentence", overlap=True):
                continue
            if (
                hit.category not in THREAT_CATEGORIES
                and items[hit.start].sentence in question_sentences
                and (
                    # "if" may open or close the sentence: "can I get my money back if it doesn't fit?"
                    near(Role.CONDITIONAL_BEFORE, Role.CONDITIONAL_BEFORE, hit, "sentence")
                    or near(Role.CONDITIONAL_AFTER, Role.CONDITIONAL_AFTER, hit, "sentence")
                )
            ):
                continue
            standing.append(hit)
        # A phrase overlapping a longer one from inside ("doesn't work" in "tracking number doesn't
        # work") yields to it; a phrase that merely sits in the gap of another ("ordered … fake … got") does not.
        return [hit for hit in standing if not any(_absorbs(other, hit) for other in standing)]


def _absorbs(longer: Hit, shorter: Hit) -> bool:
    # Only a phrase starting inside the longer one yields: in "税関で止まってます" (held at customs)
    # the customs phrase "税関…止ま" shares "止ま" with the tracking phrase "止まってます" but starts
    # before it and says something of its own, so both stand and the more specific category decides.
    return (
        longer is not shorter
        and (len(longer.positions), longer.end - longer.start)
        > (len(shorter.positions), shorter.end - shorter.start)
        and longer.start <= shorter.start
        and bool(longer.positions & shorter.positions)
    )
