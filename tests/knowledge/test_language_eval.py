"""Language evaluation: accuracy overall, per language and per kind, and its text report."""

from __future__ import annotations

import pytest

from knowledge.language import LanguageDetector
from knowledge.language_eval import evaluate_language, format_language_report


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


CASES = [
    {"text": "Wann kommt mein Paket endlich an, ich warte schon ewig", "lang": "de", "kind": "sentence"},
    {"text": "배송이 언제 도착하나요? 주문한 지 열흘이 지났어요", "lang": "ko", "kind": "sentence"},
    {"text": "Where is my parcel, it has been three weeks already", "lang": "en", "kind": "sentence"},
    {"text": "👍", "lang": "en", "kind": "short"},  # no letters: counted as a miss
    {"text": "ありがとうございます", "lang": "ja", "kind": "short"},
]


def test_accuracy_overall_per_language_and_per_kind(detector: LanguageDetector) -> None:
    """Each case counts once overall, once for its language and once for its kind."""
    report = evaluate_language(CASES, detector)
    assert report["n"] == 5
    assert report["accuracy"] == pytest.approx(4 / 5)
    assert report["per_lang"]["en"] == {"n": 2, "accuracy": 0.5}
    assert report["per_lang"]["ko"] == {"n": 1, "accuracy": 1.0}
    assert report["per_kind"] == {"sentence": {"n": 3, "accuracy": 1.0}, "short": {"n": 2, "accuracy": 0.5}}
    assert report["confusions"] == [{"lang": "en", "got": "-", "count": 1}]
    assert report["worst"][0]["text"] == "👍"


def test_cases_without_kind_have_empty_per_kind(detector: LanguageDetector) -> None:
    """`per_kind` stays empty when no case names a kind."""
    cases = [{"text": case["text"], "lang": case["lang"]} for case in CASES[:3]]
    report = evaluate_language(cases, detector)
    assert report["per_kind"] == {}
    assert report["accuracy"] == 1.0


def test_each_case_is_judged_alone(detector: LanguageDetector) -> None:
    """A case's result does not depend on the cases before it (no conversation carried over)."""
    alone = evaluate_language([CASES[0]], detector)
    after_others = evaluate_language([*CASES[1:], CASES[0]], detector)
    assert alone["per_lang"]["de"] == after_others["per_lang"]["de"]


def test_text_report_lists_kinds_languages_and_misses(detector: LanguageDetector) -> None:
    """The plain-text report shows the overall figure, each kind and language, and the misses."""
    text = format_language_report(evaluate_language(CASES, detector))
    assert "accuracy:  0.8000" in text
    assert "sentence      3  1.0000" in text
    assert "ko        1  1.0000" in text
    assert "en -> -: 1" in text
    assert "[en] '👍': got -" in text
