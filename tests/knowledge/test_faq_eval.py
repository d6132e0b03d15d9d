"""FAQ evaluation figures: accuracy, precision of confident answers, suggestion recall."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge.faq_eval import evaluate_faq, format_faq_report
from knowledge.service import Knowledge, KnowledgeAnswer, load_knowledge

FIXTURES = Path(__file__).parent / "fixtures" / "faq"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(FIXTURES, None)


def test_figures_follow_the_definitions(knowledge: Knowledge) -> None:
    """Each figure is recomputed from the individual outcomes it summarises."""
    cases: list[dict[str, Any]] = [
        {"text": "kann ich mit paypal zahlen", "lang": "de", "expect": "payment_methods"},
        {"text": "is there a warranty", "lang": "en", "expect": "warranty"},
        {"text": "is there a warranty", "lang": "en", "expect": "return_policy"},
        {"text": "tell me a joke", "lang": "en", "expect": None},
    ]
    outcomes = [knowledge.answer(str(c["text"]), str(c["lang"])) for c in cases]
    answered = [o for o in outcomes if isinstance(o, KnowledgeAnswer)]
    right = [
        (isinstance(o, KnowledgeAnswer) and o.entry_id == c["expect"])
        or (c["expect"] is None and not isinstance(o, KnowledgeAnswer))
        for o, c in zip(outcomes, cases, strict=True)
    ]
    report = evaluate_faq(cases, knowledge, lambda text: "en")
    assert report["n"] == 4
    assert report["accuracy"] == sum(right) / 4
    assert report["precision"] == sum(
        o.entry_id == c["expect"]
        for o, c in zip(outcomes, cases, strict=True)
        if isinstance(o, KnowledgeAnswer)
    ) / len(answered)
    assert report["per_lang"]["de"] == {"n": 1, "accuracy": float(right[0])}
    assert report["misses"] == 4 - sum(right)
    assert all(miss["expect"] == "return_policy" for miss in report["confusions"] if miss["wrong_answer"])


def test_missing_language_is_detected(knowledge: Knowledge) -> None:
    """Cases without "lang" are matched in the language the detector returns."""
    seen: list[str] = []

    def detect(text: str) -> str:
        seen.append(text)
        return "fr"

    report = evaluate_faq([{"text": "y a-t-il une garantie", "expect": "warranty"}], knowledge, detect)
    assert seen == ["y a-t-il une garantie"]
    assert set(report["per_lang"]) == {"fr"}


def test_suggest_recall_counts_choices_and_answers(tmp_path: Path) -> None:
    """An expected id offered as a "did you mean" choice counts for suggestion recall only."""
    unsure = load_knowledge(FIXTURES, None, answer_threshold=0.99, suggest_threshold=0.05)
    report = evaluate_faq([{"text": "is there a warranty", "lang": "en", "expect": "warranty"}], unsure, str)
    assert (report["accuracy"], report["suggest_recall"]) == (0.0, 1.0)
    assert report["confusions"][0]["suggested"][0] == "warranty"


def test_report_lists_figures_languages_and_misses(knowledge: Knowledge) -> None:
    """The text report shows the overall figures, one row per language and the misses."""
    cases = [
        {"text": "is there a warranty", "lang": "en", "expect": "return_policy"},
        {"text": "garantie?", "lang": "fr", "expect": "warranty"},
    ]
    text = format_faq_report(evaluate_faq(cases, knowledge, str))
    assert "accuracy:" in text
    assert "precision:" in text
    assert "suggest recall:" in text
    assert "\nen " in text
    assert "\nfr " in text
    assert "expected return_policy, got warranty" in text
