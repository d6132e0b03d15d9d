"""Text normalisation and tokenisation for matching buyer messages against FAQ phrasings.

Buyers type on phones: no accents, odd case, full-width characters, emoji, Arabic-Indic digits,
no spaces in Chinese, Japanese and Thai. Both the FAQ phrasings and the buyer's message go through
the same functions, so whatever is folded away here is folded away on both sides.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

# Letters that do not decompose under NFD but that buyers commonly type without their mark.
_FOLD: Final[dict[int, str]] = str.maketrans(
    {
        "ł": "l",
        "ı": "i",  # Turkish dotless i: keyboards without Turkish layout type "i"
        "đ": "d",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ё": "е",  # Russian ё is usually written е
        "ـ": "",  # Arabic tatweel (elongation) carries no meaning
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "'": "",
        "’": "",
        "ʼ": "",
        "`": "",
        "´": "",
    }
)

# Keeping accents keeps đ too: it is a letter of its own in Vietnamese.
_FOLD_KEEPING_ACCENTS: Final[dict[int, str]] = {k: v for k, v in _FOLD.items() if k != ord("đ")}

_ASCII_FOLD: Final[dict[int, str | None]] = {
    code: (None if chr(code) in "'`" else " ") for code in range(128) if not chr(code).isalnum()
}

# Combining marks are dropped after these scripts only; in Thai, Devanagari-like scripts and kana
# they are part of the letter and dropping them would merge unrelated words.
_MARK_DROPPING_PREFIXES: Final[tuple[str, ...]] = ("LATIN", "GREEK", "CYRILLIC", "ARABIC", "HEBREW")


@lru_cache(maxsize=4096)
def _drops_marks(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(_MARK_DROPPING_PREFIXES)


def normalize(text: str, *, keep_accents: bool = False) -> str:
    """Fold case, width, accents, digits and punctuation; collapse whitespace.

    NFKC first turns full-width forms and compatibility characters into their plain forms.
    `keep_accents` keeps the marks on letters (Vietnamese tones tell otherwise identical
    syllables apart).
    """
    if text.isascii():
        # Same result as the general path, several times faster (most phrasings are ASCII).
        return " ".join(text.lower().translate(_ASCII_FOLD).split())
    fold = _FOLD_KEEPING_ACCENTS if keep_accents else _FOLD
    text = unicodedata.normalize("NFKC", text).casefold().translate(fold)
    out: list[str] = []
    base_drops = False
    for char in unicodedata.normalize("NFD", text):
        category = unicodedata.category(char)
        if category == "Mn":
            if not base_drops:
                out.append(char)
            continue
        base_drops = not keep_accents and _drops_marks(char)
        if category == "Nd":
            out.append(str(unicodedata.digit(char, 0)))
        elif category[0] in "PSZC":
            out.append(" ")
        else:
            out.append(char)
    folded = unicodedata.normalize("NFC", "".join(out))
    return " ".join(folded.split())


# Scripts written without spaces between words: tokens are character n-grams there.
_UNSPACED_RE: Final[re.Pattern[str]] = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u31f0-\u31ff]+"
)
_THAI_RE: Final[re.Pattern[str]] = re.compile("[\u0e00-\u0e7f]")
_HANGUL_RE: Final[re.Pattern[str]] = re.compile("[\uac00-\ud7a3]")


def _split_runs(normalized: str) -> tuple[list[str], list[str]]:
    """Split normalised text into spaced words and unspaced-script runs."""
    runs = _UNSPACED_RE.findall(normalized)
    rest = _UNSPACED_RE.sub(" ", normalized)
    return rest.split(), runs


def word_tokens(normalized: str) -> list[str]:
    """Word-like tokens: words of spaced scripts, character bigrams of unspaced runs.

    A lone character of an unspaced run is kept as a token so that short queries ("送料?") still
    produce something to compare.
    """
    words, runs = _split_runs(normalized)
    tokens = list(words)
    for run in runs:
        if len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def char_ngrams(normalized: str) -> list[str]:
    """Character n-grams that survive inflection, typos and missing spaces.

    Spaced words give boundary-marked trigrams (" ret", "etu", …) so that "returns", "return" and
    "retrun" still share most features; unspaced runs give unigrams and bigrams for Han/kana
    (one character is often a whole word) and bigrams and trigrams for Thai (letters, not words).
    Korean words, spaced but agglutinative, give syllable unigrams and bigrams.
    """
    words, runs = _split_runs(normalized)
    grams: list[str] = []
    for word in words:
        if _HANGUL_RE.match(word):
            # A Hangul syllable is nearly a morpheme and particles stick to words: syllable
            # unigrams and bigrams match "규정" inside "규정이" where boundary trigrams would not.
            grams.extend(word)
            grams.extend(word[i : i + 2] for i in range(len(word) - 1))
            continue
        padded = f" {word} "
        if len(padded) <= 3:
            grams.append(padded)
        else:
            grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    for run in runs:
        if _THAI_RE.match(run):
            sizes: tuple[int, ...] = (2, 3)
        else:
            sizes = (1, 2)
        for size in sizes:
            if len(run) < size:
                if size == sizes[0]:
                    grams.append(run)
                continue
            grams.extend(run[i : i + size] for i in range(len(run) - size + 1))
    return grams
