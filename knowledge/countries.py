"""Country recognition in buyer messages, and the text folding every structured parser shares.

Country names come from Babel's CLDR locale data (`Locale(lang).territories`) for each supported
language, so no hand-written name list has to be kept in sync. An admin file (`countries.yaml`)
only adds colloquial forms CLDR lacks ("usa", "امريكا"), words that merely look like a country
("jersey", "ネクタイ") and words that mark a country as the origin ("from China").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

from babel import Locale

from knowledge.content import ContentError, LineList, ProblemCollector, load_yaml
from knowledge.languages import SUPPORTED_LANGUAGES

COUNTRIES_FILE: Final = "countries.yaml"
SAMPLE_DATA_DIR: Final = Path(__file__).parent / "sample" / "data"

# CLDR codes that are groupings, not destinations ("EU" would also swallow "EU 42").
_NOT_DESTINATIONS: Final = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
# Languages whose country names change their ending ("в Германию", "do Polski", "Türkiye'ye").
_INFLECTING: Final = frozenset({"ru", "uk", "pl", "tr", "sv", "id"})
# Languages that elide an article into the next word ("l'Espagne", "dall'Italia").
_ELIDING: Final = frozenset({"fr", "it"})
_ELISION_RE: Final = re.compile(r"^[^\W\d_]{1,4}'(?=[^\W\d_]{3})")
_VOWELS: Final = frozenset("aeiouyаеёиоуыэюяіїєьй")
_LETTER_MAP: Final = str.maketrans({"ı": "i", "ł": "l", "đ": "d", "ø": "o", "ß": "ss", "ʼ": "'", "’": "'"})
_ARABIC_MAP: Final = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})
_AR_CLITICS: Final = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف", "ك")
_HE_CLITICS: Final = ("וה", "וב", "ול", "ומ", "שה", "של", "מה", "לה", "בה", "ו", "ה", "ב", "ל", "מ", "ש", "כ")
WORD_RE: Final = re.compile(r"[^\W_]+(?:['\"][^\W\d_]+)*")


def fold(text: str) -> str:
    """Lower-case, compatibility-normalise and strip accents so "België" matches "belgie".

    Marks are stripped only from Latin, Greek and Cyrillic letters and Arabic vowel signs;
    Thai vowels and Japanese voicing marks are letters of their own and stay.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LETTER_MAP)
    out: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char):
            base = out[-1] if out else ""
            if base and (ord(base) < 0x0530 or "\u0600" <= char <= "\u06ff"):
                continue
        out.append(str(unicodedata.digit(char, 0)) if char.isdigit() and not char.isascii() else char)
    folded = unicodedata.normalize("NFC", "".join(out))
    return folded.translate(_ARABIC_MAP).replace("٫", ".").replace("٬", ",")


def script_of(char: str) -> str:
    """A coarse script class that decides how a keyword is matched."""
    code = ord(char)
    if code < 0x0530:
        return "alphabet"  # Latin, Greek, Cyrillic: words with boundaries
    if 0x0590 <= code < 0x0600:
        return "hebrew"
    if 0x0600 <= code < 0x0780:
        return "arabic"
    return "unspaced"  # Thai, CJK, kana, Hangul: particles attach, so plain substrings


def is_letter(char: str) -> bool:
    return char.isalpha()


def _word_letter(char: str) -> bool:
    return char.isalpha() and script_of(char) == "alphabet"


def keyword_spans(folded_text: str, folded_keyword: str) -> list[tuple[int, int]]:
    """Where a folded keyword occurs in folded text, respecting word starts in alphabetic scripts.

    Alphabetic keywords must start a word; short ones (≤ 3 letters, like "us") must also end
    one, longer ones may continue ("europe" finds "european", "versand" finds "versandkosten").
    Digits next to a keyword do not break it, so "us8" and "eu42" are found.
    """
    spans: list[tuple[int, int]] = []
    if not folded_keyword:
        return spans
    script = script_of(folded_keyword[0])
    start = folded_text.find(folded_keyword)
    while start != -1:
        end = start + len(folded_keyword)
        before = folded_text[start - 1] if start > 0 else " "
        after = folded_text[end] if end < len(folded_text) else " "
        ok = True
        if script == "alphabet":
            # Only letters of the same kind of script join a word: "usサイズ", "指輪us7" still match.
            ok = not _word_letter(before) and (len(folded_keyword) > 3 or not _word_letter(after))
        elif script in {"arabic", "hebrew"}:
            ok = not is_letter(before) or _clitic_before(folded_text, start, script)
        if ok:
            spans.append((start, end))
        start = folded_text.find(folded_keyword, start + 1)
    return spans


def _clitic_before(text: str, start: int, script: str) -> bool:
    word_start = start
    while word_start > 0 and is_letter(text[word_start - 1]):
        word_start -= 1
    prefix = text[word_start:start]
    clitics = _AR_CLITICS if script == "arabic" else _HE_CLITICS
    return prefix in clitics or any(prefix == a + b for a in clitics for b in clitics)


def has_keyword(folded_text: str, folded_keywords: Iterable[str]) -> str | None:
    """The first keyword found in the text, or None."""
    for keyword in folded_keywords:
        if keyword_spans(folded_text, keyword):
            return keyword
    return None


def territory_names(language: str) -> dict[str, str]:
    """CLDR country names in one language, destinations only."""
    names = Locale.parse(language).territories
    return {code: name for code, name in names.items() if _is_destination(code)}


def country_name(code: str, language: str) -> str:
    """The country's name in the buyer's language ("Deutschland", "ドイツ")."""
    return str(Locale.parse(language).territories.get(code, code))


def is_country_code(code: str) -> bool:
    return _is_destination(code) and code in Locale.parse("en").territories


def _is_destination(code: str) -> bool:
    return len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_DESTINATIONS


@dataclass(frozen=True)
class _Pattern:
    tokens: tuple[str, ...]  # for alphabetic/Arabic/Hebrew names
    text: str  # for unspaced names
    code: str


@dataclass(frozen=True)
class CountryLexicon:
    """Everything needed to recognise countries: Babel names plus the admin's additions."""

    aliases: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    not_countries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    origin_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def find(self, text: str, language: str) -> str | None:
        """The destination country named in the text (the first one not marked as the origin)."""
        found = self.find_all(text, language)
        return found[0] if found else None

    def find_all(self, text: str, language: str) -> list[str]:
        folded = fold(text)
        for phrase in self.not_countries.get(language, ()):
            folded = folded.replace(phrase, " " * len(phrase))
        tokens = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(folded)]
        unspaced, by_first_word = self._index(language)
        hits: list[tuple[int, int, str]] = []
        for pattern in unspaced:
            for start, end in keyword_spans(folded, pattern.text):
                hits.append((start, end, pattern.code))
        # Only names whose first word could match a word of the text are tried.
        candidates: dict[int, _Pattern] = {}
        for _, _, word in tokens:
            for key in _lookup_keys(word, language):
                for pattern in by_first_word.get(key, ()):
                    candidates[id(pattern)] = pattern
        for pattern in candidates.values():
            hits.extend(_token_hits(tokens, pattern, language))
        # Longest first, then drop overlaps so "Niger" does not also match inside "Nigeria".
        hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
        chosen: list[tuple[int, int, str]] = []
        for hit in hits:
            if all(hit[1] <= c[0] or hit[0] >= c[1] for c in chosen):
                chosen.append(hit)
        chosen.sort()
        origins = self.origin_words.get(language, ())
        destinations = [c for c in chosen if not _marked_origin(folded, c[0], c[1], origins)]
        return list(dict.fromkeys(c[2] for c in destinations))

    def _index(self, language: str) -> tuple[list[_Pattern], dict[str, list[_Pattern]]]:
        cache: dict[str, tuple[list[_Pattern], dict[str, list[_Pattern]]]] = self.__dict__.setdefault(
            "_cache", {}
        )
        if language not in cache:
            unspaced: list[_Pattern] = []
            by_first_word: dict[str, list[_Pattern]] = {}
            for pattern in _patterns(self, language):
                if pattern.text:
                    unspaced.append(pattern)
                else:
                    by_first_word.setdefault(_index_key(pattern.tokens[0], language), []).append(pattern)
            cache[language] = (unspaced, by_first_word)
        return cache[language]


def _index_key(word: str, language: str) -> str:
    # Inflected names are found by their first four letters ("германи" ~ "германию").
    return word[:4] if language in _INFLECTING and script_of(word[0]) == "alphabet" else word


def _lookup_keys(word: str, language: str) -> set[str]:
    script = script_of(word[0])
    if script in {"arabic", "hebrew"}:
        return _clitic_variants(word, script)
    return {_index_key(variant, language) for variant in _elided_variants(word, language)}


def _elided_variants(word: str, language: str) -> set[str]:
    if language in _ELIDING:
        bare = _ELISION_RE.sub("", word)
        if bare != word:
            return {word, bare}
    return {word}


def _marked_origin(folded: str, start: int, end: int, origins: tuple[str, ...]) -> bool:
    before = folded[:start].rstrip()
    after = folded[end:].lstrip()
    for word in origins:
        if word.startswith("-"):  # a postposition: "中国から", "çin'den"
            if after.startswith(word[1:]) or folded[:end].endswith(word[1:]):
                return True
        elif before.endswith(word) and (
            len(before) == len(word)
            or not is_letter(before[-len(word) - 1])
            or script_of(word[0]) != "alphabet"
        ):
            return True
    return False


def _token_hits(
    tokens: list[tuple[int, int, str]], pattern: _Pattern, language: str
) -> list[tuple[int, int, str]]:
    hits: list[tuple[int, int, str]] = []
    size = len(pattern.tokens)
    for index in range(len(tokens) - size + 1):
        window = tokens[index : index + size]
        if all(
            _token_matches(word, name, language)
            for (_, _, word), name in zip(window, pattern.tokens, strict=True)
        ):
            hits.append((window[0][0], window[-1][1], pattern.code))
    return hits


def _token_matches(word: str, name: str, language: str) -> bool:
    script = script_of(name[0])
    if script in {"arabic", "hebrew"}:
        return name in _clitic_variants(word, script)
    variants = _elided_variants(word, language)
    if name in variants:
        return True
    word = min(variants, key=len)
    if language in _INFLECTING and script == "alphabet":
        # Every word of a name is declined: "Wielka Brytania" → "do Wielkiej Brytanii".
        # One case ending is enough: "германия" → "германи" finds "германии", "германию".
        stem = name[:-1] if len(name) > 4 and name[-1] in _VOWELS else name
        return len(stem) >= 4 and word.startswith(stem) and len(word) <= len(stem) + 4
    return False


def _clitic_variants(word: str, script: str) -> set[str]:
    clitics = _AR_CLITICS if script == "arabic" else _HE_CLITICS
    variants = {word}
    for clitic in clitics:
        if word.startswith(clitic) and len(word) - len(clitic) >= 2:
            variants.add(word[len(clitic) :])
    if script == "arabic":
        variants |= {v[2:] for v in variants if v.startswith("ال") and len(v) > 4}
    return variants


def _name_pattern(name: str, code: str) -> _Pattern | None:
    name = re.sub(r"\(.*?\)|\bSAR\b", " ", name)
    folded = fold(name).strip()
    if not folded:
        return None
    if script_of(folded[0]) == "unspaced":
        return _Pattern((), re.sub(r"\s+", "", folded), code)
    words = tuple(WORD_RE.findall(folded))
    if script_of(folded[0]) == "arabic":
        words = tuple(w[2:] if w.startswith("ال") and len(w) > 4 else w for w in words)
    return _Pattern(words, "", code) if words else None


@cache
def _babel_patterns(language: str) -> tuple[_Pattern, ...]:
    patterns: list[_Pattern] = []
    for code, name in territory_names(language).items():
        pattern = _name_pattern(name, code)
        if pattern:
            patterns.append(pattern)
    if language != "en":
        # Buyers mix in English names; short ones ("Chad", "Mali") are real words elsewhere.
        for code, name in territory_names("en").items():
            pattern = _name_pattern(name, code)
            if pattern and len(name) >= 5:
                patterns.append(pattern)
    return tuple(patterns)


def _patterns(lexicon: CountryLexicon, language: str) -> list[_Pattern]:
    patterns = list(_babel_patterns(language))
    for code, names in lexicon.aliases.get(language, {}).items():
        for name in names:
            pattern = _name_pattern(name, code)
            if pattern:
                patterns.append(pattern)
    return patterns


def load_lexicon(path: Path, collector: ProblemCollector) -> CountryLexicon:
    """Read and validate `countries.yaml`; problems go to the collector."""
    try:
        data = load_yaml(path, display_path=collector.path)
    except ContentError as exc:
        collector.problems.extend(exc.problems)
        return CountryLexicon()
    root = collector.require_mapping(data, 1, "countries file")
    if root is None:
        return CountryLexicon()
    collector.unknown_keys(root, ("aliases", "not_countries", "origin_words"), "countries file")
    aliases: dict[str, dict[str, tuple[str, ...]]] = {}
    by_language = root.get("aliases")
    if by_language is not None:
        languages = collector.require_mapping(by_language, root.line_of("aliases"), "aliases")
        for language, table in (languages or {}).items():
            line = languages.line_of(language) if languages else 1
            if not _check_language(collector, language, line):
                continue
            codes = collector.require_mapping(table, line, f"aliases.{language}")
            if codes is None:
                continue
            seen: dict[str, str] = {}
            aliases[language] = {}
            for code, names in codes.items():
                code_line = codes.line_of(code)
                if not is_country_code(code):
                    collector.add(code_line, f"unknown country code {code!r} (use ISO 3166 alpha-2, e.g. DE)")
                    continue
                words = text_list(collector, names, code_line, f"aliases.{language}.{code}")
                for word in words:
                    other = seen.setdefault(fold(word), code)
                    if other != code:
                        collector.add(code_line, f"alias {word!r} is given for both {other} and {code}")
                aliases[language][code] = words
    lists: dict[str, dict[str, tuple[str, ...]]] = {}
    for key in ("not_countries", "origin_words"):
        lists[key] = {}
        value = root.get(key)
        if value is None:
            continue
        languages = collector.require_mapping(value, root.line_of(key), key)
        for language, words in (languages or {}).items():
            line = languages.line_of(language) if languages else 1
            if _check_language(collector, language, line):
                lists[key][language] = tuple(
                    fold(w) for w in text_list(collector, words, line, f"{key}.{language}")
                )
    return CountryLexicon(aliases, lists["not_countries"], lists["origin_words"])


def _check_language(collector: ProblemCollector, language: str, line: int) -> bool:
    if language in SUPPORTED_LANGUAGES:
        return True
    collector.add(line, f"unsupported language code {language!r}")
    return False


def text_list(collector: ProblemCollector, value: object, line: int, where: str) -> tuple[str, ...]:
    """A list of non-empty texts (a single text is accepted as a one-item list)."""
    if isinstance(value, str):
        value = LineList([value])
        value.line, value.item_lines = line, [line]
    items = collector.require_list(value, line, where)
    if items is None:
        return ()
    words: list[str] = []
    for index, item in enumerate(items):
        text = collector.require_text(item, items.line_of(index), f"{where}[{index + 1}]")
        if text is not None:
            words.append(text)
    return tuple(words)


def language_table(
    collector: ProblemCollector, value: object, line: int, where: str, *, complete: bool
) -> dict[str, tuple[str, ...]]:
    """A per-language mapping of word lists; `complete` requires every supported language."""
    table = collector.require_mapping(value, line, where)
    if table is None:
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for language, words in table.items():
        if _check_language(collector, language, table.line_of(language)):
            result[language] = text_list(collector, words, table.line_of(language), f"{where}.{language}")
    if complete:
        missing = [lang for lang in SUPPORTED_LANGUAGES if lang not in table]
        if missing:
            collector.add(table.line, f"{where} is missing language(s): {', '.join(missing)}")
    return result


@cache
def _sample_lexicon() -> CountryLexicon:
    collector = ProblemCollector(COUNTRIES_FILE)
    path = SAMPLE_DATA_DIR / COUNTRIES_FILE
    return load_lexicon(path, collector) if path.exists() else CountryLexicon()


def find_country(text: str, language: str) -> str | None:
    """ISO alpha-2 code of the destination country named in the text, in any supported language.

    Uses CLDR names plus the sample `countries.yaml` additions; `StructuredData` uses the
    admin's own file instead.
    """
    return _sample_lexicon().find(text, language)


__all__ = [
    "CountryLexicon",
    "country_name",
    "find_country",
    "fold",
    "has_keyword",
    "keyword_spans",
    "language_table",
    "load_lexicon",
    "text_list",
]
