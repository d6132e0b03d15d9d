"""The sample FAQ base generalises to a second held-out set, with harder out-of-scope questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from knowledge.faq_eval import evaluate_faq
from knowledge.languages import SUPPORTED_LANGUAGES
from knowledge.service import load_knowledge

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_FAQ = ROOT / "knowledge" / "sample" / "faq"
SAMPLE_DATA = ROOT / "knowledge" / "sample" / "data"
# Written per language without looking at the development set or the first held-out set: phone-style
# run-ons, keyword forms, indirect questions, and out-of-scope ones that share words with FAQ topics
# (car tax, TV size, running shoes, cooking times). Never copy these sentences into the FAQ files.
HOLDOUT = Path(__file__).parent / "faq_holdout2.jsonl"


def _no_detection(text: str) -> str:
    raise AssertionError(f"every held-out case names its language: {text!r}")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    cases = [json.loads(line) for line in HOLDOUT.read_text(encoding="utf-8").splitlines() if line]
    knowledge = load_knowledge(SAMPLE_FAQ, SAMPLE_DATA)
    return evaluate_faq(cases, knowledge, _no_detection)


def test_holdout_covers_every_language(report: dict[str, Any]) -> None:
    """The held-out set has 33 questions (25 ids + 8 out of scope) in each supported language."""
    assert set(report["per_lang"]) == set(SUPPORTED_LANGUAGES)
    assert all(stats["n"] == 33 for stats in report["per_lang"].values())


def test_holdout_accuracy_meets_target(report: dict[str, Any]) -> None:
    """At least 90 % of held-out questions get the right outcome overall."""
    assert report["accuracy"] >= 0.90


def test_holdout_accuracy_per_language_meets_target(report: dict[str, Any]) -> None:
    """No language falls below 80 % on the held-out questions."""
    weak = {lang: s["accuracy"] for lang, s in report["per_lang"].items() if s["accuracy"] < 0.80}
    assert weak == {}


def test_holdout_confident_answers_are_precise(report: dict[str, Any]) -> None:
    """At least 95 % of confident answers on held-out questions are the right entry."""
    assert report["precision"] >= 0.95
