"""Text preparation for complaint matching: normalisation and tokens that remember the original text.

Buyers type on phones: no accents, odd case, full-width characters, typos. Both the admin's phrases
and the buyer's message go through the same `normalise`, so matching compares like with like, and
every token keeps its span in the original message so agents see the words the buyer wrote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# Letters that carry no decomposable accent but that buyers often replace by the plain letter.
_FOLD = {
    "ı": "i",
    "ł": "l",
    "đ": "d",
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "ى": "ي",
    "ة": "ه",
    "ـ": "",
    "’": "'",
    "‘": "'",
    "ʼ": "'",
    "`": "'",
    "´": "'",
    "׳": "'",
    # Hebrew final letters: a stem written "מזויף*" must find the inflected "מזויפות".
    "ך": "כ",
    "ם": "מ",
    "ן": "נ",
    "ף": "פ",
    "ץ": "צ",
    "״": '"',
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
}

# Combining marks are accents only on alphabetic scripts (Latin, Greek, Cyrillic, Hebrew, Arabic);
# in Thai and Japanese they are part of the letter (ไม่, が) and must stay.
_ACCENTED_SCRIPTS_END = 0x0800

_SENTENCE_BREAK = re.compile(r"[.!?？！。؟\n;؛…]")
_CLAUSE_BREAK = re.compile(r"[,，、،:：\-–—()\[\]\"«»“”]")
_QUESTION_MARK = re.compile(r"[?？؟]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_DIGITS = re.compile(r"[0-9]+")


class Matching(StrEnum):
    """How a language is cut into tokens: words between spaces, or single characters."""

    WORDS = "words"
    CHARACTERS = "characters"


@dataclass(frozen=True)
class NormalisedText:
    text: str
    origin: tuple[int, ...]  # origin[i]: index in the original text of normalised character i


def normalise(text: str) -> NormalisedText:
    """NFKC, casefold, accents stripped, look-alike letters folded; remembers where each char came from."""
    out: list[str] = []
    origin: list[int] = []
    base = 0  # the last base letter: a combining mark typed as its own character belongs to it
    for position, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char).casefold()
        kept: list[str] = []
        for part in unicodedata.normalize("NFD", folded):
            if unicodedata.category(part) == "Mn":
                if base < _ACCENTED_SCRIPTS_END:
                    continue
            else:
                base = ord(part)
            kept.append(_FOLD.get(part, part))
        for piece in unicodedata.normalize("NFC", "".join(kept)):
            out.append(piece)
            origin.append(position)
    return NormalisedText("".join(out), tuple(origin))


def normalise_plain(text: str) -> str:
    return normalise(text).text


@dataclass(frozen=True)
class Token:
    text: str  # normalised
    start: int  # span in the original text
    end: int
    sentence: int
    clause: int
    is_number: bool


@dataclass(frozen=True)
class Tokens:
    items: tuple[Token, ...]
    question_sentences: frozenset[int]  # sentences that end in / contain a question mark

    def __len__(self) -> int:
        return len(self.items)


def tokenize(original: str, matching: Matching, *, join_apostrophes: bool = False) -> Tokens:
    """Cut a message into tokens with sentence and clause numbers (punctuation separates them)."""
    norm = normalise(original)
    text = norm.text
    spans: list[tuple[str, int, int]] = []  # normalised token, start, end (normalised indices)
    if matching is Matching.WORDS:
        for match in _WORD.finditer(text):
            word = match.group()
            if "'" not in word:
                spans.append((word, match.start(), match.end()))
            elif join_apostrophes:
                spans.append((word.replace("'", ""), match.start(), match.end()))
            else:
                offset = match.start()
                for piece in word.split("'"):
                    spans.append((piece, offset, offset + len(piece)))
                    offset += len(piece) + 1
    else:
        position = 0
        while position < len(text):
            char = text[position]
            digits = _DIGITS.match(text, position)
            if digits:
                spans.append((digits.group(), position, digits.end()))
                position = digits.end()
                continue
            if char.isalnum() or unicodedata.category(char) in {"Mn", "Mc"}:
                if unicodedata.category(char) in {"Mn", "Mc"} and spans and spans[-1][2] == position:
                    # A Thai vowel or tone mark belongs to the character before it.
                    word, start, _ = spans[-1]
                    spans[-1] = (word + char, start, position + 1)
                else:
                    spans.append((char, position, position + 1))
            position += 1
    tokens: list[Token] = []
    sentence = clause = 0
    questions: set[int] = set()
    previous_end = 0
    for word, start, end in spans:
        between = text[previous_end:start]
        if tokens:
            if _SENTENCE_BREAK.search(between) or _QUESTION_MARK.search(between):
                if _QUESTION_MARK.search(between):
                    questions.add(sentence)
                sentence += 1
                clause += 1
            elif _CLAUSE_BREAK.search(between):
                clause += 1
        tokens.append(
            Token(
                text=word,
                start=norm.origin[start],
                end=norm.origin[end - 1] + 1,
                sentence=sentence,
                clause=clause,
                # "2si", "3ten": Turkish and Finnish put case endings on numbers.
                is_number=word[0].isdigit(),
            )
        )
        previous_end = end
    if tokens and _QUESTION_MARK.search(text[previous_end:]):
        questions.add(sentence)
    return Tokens(tuple(tokens), frozenset(questions))
