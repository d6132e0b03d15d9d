"""Evaluation figures of complaint detection (`borderdesk eval complaints`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from escalation.complaint_eval import evaluate_complaints, format_complaint_report
from escalation.complaints import ComplaintDetector


@pytest.fixture
def detector(tmp_path: Path) -> ComplaintDetector:
    (tmp_path / "en.yaml").write_text(
        "language: en\nphrases:\n  counterfeit: [fake]\n  damaged: [broken]\n  late_delivery: [late]\n",
        encoding="utf-8",
    )
    (tmp_path / "de.yaml").write_text("language: de\nphrases:\n  damaged: [kaputt]\n", encoding="utf-8")
    return ComplaintDetector.load(tmp_path)


CASES: list[Mapping[str, Any]] = [
    {"text": "this is fake", "lang": "en", "expect": "P1"},
    {"text": "box is broken", "lang": "en", "expect": "P2"},
    {"text": "it is late", "lang": "en", "expect": "P2"},  # detector says P3: a miss
    {"text": "hello there", "lang": "en", "expect": None},
    {"text": "alles kaputt", "expect": "P2"},  # no language: detected
    {"text": "danke", "lang": "de", "expect": None},
]


def test_report_figures(detector: ComplaintDetector) -> None:
    """Accuracy, complaint precision/recall, per priority and per language are computed."""
    report = evaluate_complaints(CASES, detector, detect_language=lambda text: "de")
    assert report["n"] == 6
    assert report["accuracy"] == pytest.approx(5 / 6)
    assert report["complaint_precision"] == 1.0
    assert report["complaint_recall"] == 1.0
    assert report["per_priority"]["P2"] == {"precision": 1.0, "recall": pytest.approx(2 / 3), "n": 3}
    assert report["per_priority"]["P3"] == {"precision": 0.0, "recall": 1.0, "n": 0}
    assert report["per_lang"] == {"de": {"n": 2, "accuracy": 1.0}, "en": {"n": 4, "accuracy": 0.75}}
    assert [m["text"] for m in report["mistakes"]] == ["it is late"]


def test_missing_language_without_detector_tries_all(detector: ComplaintDetector) -> None:
    """Without a language and without detection, the case is still classified."""
    report = evaluate_complaints([{"text": "alles kaputt", "expect": "P2"}], detector)
    assert report["accuracy"] == 1.0
    assert "??" in report["per_lang"]


def test_text_report_lists_figures_and_mistakes(detector: ComplaintDetector) -> None:
    """The plain-text report shows the headline figures, each priority, language and miss."""
    text = format_complaint_report(evaluate_complaints(CASES, detector, lambda _: "de"))
    assert "accuracy: 0.833" in text
    assert "P2" in text
    assert "de" in text
    assert "expect P2 got P3" in text
