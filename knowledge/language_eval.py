"""Language detection evaluation: accuracy overall, per language and per kind of text.

Each case is judged alone, as the first message of a new conversation: `detect` on the text,
with no explicit choice, chat setting or earlier language to lean on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from knowledge.language import LanguageDetector

WORST_CONFUSIONS = 15


def _accuracy(counts: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, Any]]:
    return {
        key: {"n": stats["n"], "accuracy": stats["correct"] / stats["n"]}
        for key, stats in sorted(counts.items())
    }


def evaluate_language(cases: Sequence[Mapping[str, Any]], detector: LanguageDetector) -> dict[str, Any]:
    """Detect every case's `text` and compare with its `lang`; group by `kind` where cases give one."""
    per_lang: dict[str, dict[str, int]] = {}
    per_kind: dict[str, dict[str, int]] = {}
    confused: dict[tuple[str, str], int] = {}
    misses: list[dict[str, Any]] = []
    correct = reliable = 0
    for case in cases:
        text = str(case["text"])
        expected = str(case["lang"])
        guess = detector.detect(text)
        got = guess.language or "-"
        right = got == expected
        correct += right
        reliable += guess.reliable
        groups = [(per_lang, expected)]
        if case.get("kind") is not None:
            groups.append((per_kind, str(case["kind"])))
        for table, key in groups:
            stats = table.setdefault(key, {"n": 0, "correct": 0})
            stats["n"] += 1
            stats["correct"] += right
        if not right:
            confused[(expected, got)] = confused.get((expected, got), 0) + 1
            misses.append(
                {
                    "text": text,
                    "lang": expected,
                    "got": got,
                    "confidence": guess.confidence,
                    "reliable": guess.reliable,
                }
            )
    # A confident, reliable mistake switches a conversation: show those first.
    misses.sort(key=lambda miss: (not miss["reliable"], -miss["confidence"]))
    total = len(cases)
    return {
        "n": total,
        "accuracy": correct / total if total else 0.0,
        "reliable": reliable / total if total else 0.0,
        "per_lang": _accuracy(per_lang),
        "per_kind": _accuracy(per_kind),
        "confusions": [
            {"lang": lang, "got": got, "count": count}
            for (lang, got), count in sorted(confused.items(), key=lambda item: (-item[1], item[0]))
        ],
        "worst": misses[:WORST_CONFUSIONS],
        "misses": len(misses),
    }


def format_language_report(report: Mapping[str, Any]) -> str:
    """A plain-text table: overall accuracy, per kind, per language, the commonest confusions."""
    lines = [
        f"language cases: {report['n']}",
        f"accuracy:  {report['accuracy']:.4f}",
        f"reliable:  {report.get('reliable', 0.0):.4f}  (share of guesses strong enough to switch a conversation)",
    ]
    per_kind: Mapping[str, Mapping[str, Any]] = report.get("per_kind", {})
    if per_kind:
        lines += ["", "kind          n  accuracy"]
        lines += [f"{kind:<10}{stats['n']:>5}  {stats['accuracy']:.4f}" for kind, stats in per_kind.items()]
    per_lang: Mapping[str, Mapping[str, Any]] = report["per_lang"]
    lines += ["", "lang      n  accuracy"]
    lines += [f"{lang:<6}{stats['n']:>5}  {stats['accuracy']:.4f}" for lang, stats in per_lang.items()]
    confusions: Sequence[Mapping[str, Any]] = report.get("confusions", ())
    if confusions:
        lines += ["", "confusions (expected -> got: count):"]
        lines += [
            f"  {item['lang']} -> {item['got']}: {item['count']}" for item in confusions[:WORST_CONFUSIONS]
        ]
    worst: Sequence[Mapping[str, Any]] = report.get("worst", ())
    if worst:
        lines += ["", f"worst misses ({len(worst)} of {report.get('misses', len(worst))}):"]
        for miss in worst:
            flag = " reliable" if miss["reliable"] else ""
            lines.append(
                f"  [{miss['lang']}] {miss['text']!r}: got {miss['got']} ({miss['confidence']:.2f}{flag})"
            )
    return "\n".join(lines)
