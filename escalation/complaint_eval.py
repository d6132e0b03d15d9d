"""Measuring complaint detection against labelled cases (`borderdesk eval complaints`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from escalation.complaints import ComplaintDetector
from escalation.priority import Priority

UNKNOWN_LANGUAGE = "??"


def _ratio(part: int, whole: int) -> float:
    # An empty denominator means nothing to get wrong: report a perfect score, not a crash.
    return part / whole if whole else 1.0


def evaluate_complaints(
    cases: Sequence[Mapping[str, Any]],
    detector: ComplaintDetector,
    detect_language: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """Run the detector over `cases` ({"text", "lang"?, "expect"}) and compute the report figures.

    A case without `lang` gets the detected language when `detect_language` is given; otherwise
    the detector tries the phrases of every language.
    """
    correct = 0
    expected_count: Counter[str] = Counter()
    predicted_count: Counter[str] = Counter()
    hit_count: Counter[str] = Counter()
    complaint_true_positive = complaint_predicted = complaint_expected = 0
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    mistakes: list[dict[str, Any]] = []
    for case in cases:
        text = str(case["text"])
        language = case.get("lang")
        if language is None and detect_language is not None:
            language = detect_language(text)
        complaint = detector.detect(text, language)
        got = complaint.priority.value if complaint else None
        expect = case.get("expect")
        if expect is not None:
            expect = Priority(expect).value
        ok = got == expect
        correct += ok
        tally = per_lang[language or UNKNOWN_LANGUAGE]
        tally[0] += 1
        tally[1] += ok
        if expect is not None:
            expected_count[expect] += 1
            complaint_expected += 1
        if got is not None:
            predicted_count[got] += 1
            complaint_predicted += 1
        if got is not None and expect is not None:
            complaint_true_positive += 1
            hit_count[got] += got == expect
        if not ok:
            mistakes.append(
                {
                    "text": text,
                    "lang": language,
                    "expect": expect,
                    "got": got,
                    "category": complaint.category.value if complaint else None,
                    "matched": list(complaint.matched) if complaint else [],
                }
            )
    n = len(cases)
    return {
        "n": n,
        "accuracy": _ratio(correct, n),
        "complaint_precision": _ratio(complaint_true_positive, complaint_predicted),
        "complaint_recall": _ratio(complaint_true_positive, complaint_expected),
        "per_priority": {
            p.value: {
                "precision": _ratio(hit_count[p.value], predicted_count[p.value]),
                "recall": _ratio(hit_count[p.value], expected_count[p.value]),
                "n": expected_count[p.value],
            }
            for p in Priority
        },
        "per_lang": {
            language: {"n": total, "accuracy": _ratio(right, total)}
            for language, (total, right) in sorted(per_lang.items())
        },
        "mistakes": mistakes,
    }


def format_complaint_report(report: Mapping[str, Any]) -> str:
    """A plain-text table of the figures of `evaluate_complaints`."""
    lines = [
        f"cases: {report['n']}   accuracy: {report['accuracy']:.3f}",
        f"complaint vs not: precision {report['complaint_precision']:.3f}"
        f"  recall {report['complaint_recall']:.3f}",
        "",
        "priority  precision  recall     n",
    ]
    for name, figures in report["per_priority"].items():
        lines.append(f"{name:<8}  {figures['precision']:>9.3f}  {figures['recall']:>6.3f}  {figures['n']:>4}")
    lines += ["", "language  accuracy     n"]
    for language, figures in report["per_lang"].items():
        lines.append(f"{language:<8}  {figures['accuracy']:>8.3f}  {figures['n']:>4}")
    mistakes = report.get("mistakes", [])
    if mistakes:
        lines += ["", f"mistakes ({len(mistakes)}):"]
        for m in mistakes:
            matched = ", ".join(m["matched"]) or "-"
            lines.append(f"  [{m['lang']}] expect {m['expect']} got {m['got']} ({matched}): {m['text']}")
    return "\n".join(lines)
