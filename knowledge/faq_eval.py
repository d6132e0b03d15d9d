"""FAQ matching evaluation: accuracy, precision of confident answers, "did you mean" recall.

Accuracy counts a case right when the expected entry was answered confidently, or, for an
out-of-scope case (`expect: null`), when nothing was answered confidently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from knowledge.service import Knowledge, KnowledgeAnswer, KnowledgeSuggestions

WORST_CONFUSIONS = 60


def evaluate_faq(
    cases: Sequence[Mapping[str, Any]], knowledge: Knowledge, detect: Callable[[str], str]
) -> dict[str, Any]:
    """Run every case through `knowledge.answer` and summarise; `detect` fills a missing "lang"."""
    per_lang: dict[str, dict[str, int]] = {}
    correct = answered = answered_right = mapped = suggested_or_answered = 0
    confusions: list[dict[str, Any]] = []
    for case in cases:
        text = str(case["text"])
        language = str(case.get("lang") or detect(text))
        expected = case.get("expect")
        outcome = knowledge.answer(text, language)
        got: str | None = None
        choices: tuple[str, ...] = ()
        if isinstance(outcome, KnowledgeAnswer):
            got = outcome.entry_id
            answered += 1
            answered_right += got == expected
        elif isinstance(outcome, KnowledgeSuggestions):
            choices = tuple(choice.entry_id for choice in outcome.choices)
        right = got == expected
        correct += right
        if expected is not None:
            mapped += 1
            suggested_or_answered += got == expected or expected in choices
        stats = per_lang.setdefault(language, {"n": 0, "correct": 0})
        stats["n"] += 1
        stats["correct"] += right
        if not right:
            confusions.append(
                {
                    "text": text,
                    "lang": language,
                    "expect": expected,
                    "got": got,
                    "suggested": list(choices),
                    "score": round(outcome.score, 3),
                    # A wrong confident answer hurts more than a missed one.
                    "wrong_answer": got is not None,
                }
            )
    confusions.sort(key=lambda c: (not c["wrong_answer"], -c["score"]))
    total = len(cases)
    return {
        "n": total,
        "accuracy": correct / total if total else 0.0,
        "precision": answered_right / answered if answered else 1.0,
        "answered": answered,
        "coverage": answered / total if total else 0.0,
        "suggest_recall": suggested_or_answered / mapped if mapped else 1.0,
        "per_lang": {
            lang: {"n": s["n"], "accuracy": s["correct"] / s["n"]} for lang, s in sorted(per_lang.items())
        },
        "confusions": confusions[:WORST_CONFUSIONS],
        "misses": len(confusions),
    }


def format_faq_report(report: Mapping[str, Any]) -> str:
    """A plain-text table: overall figures, per-language accuracy, then the worst misses."""
    lines = [
        f"FAQ cases: {report['n']}",
        f"accuracy:        {report['accuracy']:.3f}",
        f"precision:       {report['precision']:.3f}  (of {report['answered']} confident answers)",
        f"suggest recall:  {report['suggest_recall']:.3f}  (expected id answered or among the choices)",
        "",
        "lang      n  accuracy",
    ]
    per_lang: Mapping[str, Mapping[str, Any]] = report["per_lang"]
    for lang, stats in per_lang.items():
        lines.append(f"{lang:<6}{stats['n']:>5}  {stats['accuracy']:.3f}")
    confusions: Sequence[Mapping[str, Any]] = report.get("confusions", ())
    if confusions:
        lines += ["", f"worst misses ({len(confusions)} of {report.get('misses', len(confusions))}):"]
        for miss in confusions:
            got = miss["got"] or ("suggest " + ",".join(miss["suggested"]) if miss["suggested"] else "-")
            lines.append(
                f"  [{miss['lang']}] {miss['text']!r}: expected {miss['expect']}, got {got} ({miss['score']})"
            )
    return "\n".join(lines)
