"""Benchmark FAQ matching on a large synthetic base, next to a naive difflib baseline.

Usage: python bench/bench_matching.py [--json] [--entries 1000] [--queries 2000] [--baseline-queries 30]

The base has `--entries` entries in all 20 languages, recombined from the sample base's real
phrasings (each synthetic entry takes the phrasings of a sample entry and mixes in words of other
phrasings of the same language), so the vocabulary and lengths are realistic. Queries are sample
phrasings with a typo and an extra word. The baseline (difflib.SequenceMatcher against every
phrasing of the buyer's language) runs on fewer queries because it is slow; both are measured in
the same run on the same base.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.faq import FaqBase, FaqEntry, load_faq_dir  # noqa: E402
from knowledge.languages import SUPPORTED_LANGUAGES, UNSPACED_LANGUAGES  # noqa: E402
from knowledge.matching import (  # noqa: E402
    DEFAULT_ANSWER_THRESHOLD,
    DEFAULT_SUGGEST_THRESHOLD,
    FaqMatcher,
)
from knowledge.normalize import normalize  # noqa: E402

SAMPLE = ROOT / "knowledge" / "sample" / "faq"
FIXTURE = ROOT / "tests" / "knowledge" / "fixtures" / "faq"


def _pieces(text: str, language: str) -> list[str]:
    if language in UNSPACED_LANGUAGES:
        return [text[i : i + 2] for i in range(0, len(text) - 1, 2)] or [text]
    return text.split()


def synthetic_base(seed_base: FaqBase, size: int, rng: random.Random) -> FaqBase:
    """The seed entries plus distinct synthetic ones up to `size`, in every language.

    A synthetic phrasing joins 3–7 words (unspaced scripts: character pairs) drawn from the seed
    phrasings of that language, so n-gram statistics and lengths stay realistic while every
    synthetic entry is a different "topic" that competes with the real ones.
    """
    vocabulary = {
        lang: [p for e in seed_base.entries for q in e.questions.get(lang, ()) for p in _pieces(q, lang)]
        for lang in SUPPORTED_LANGUAGES
    }
    joiner = {lang: "" if lang in UNSPACED_LANGUAGES else " " for lang in SUPPORTED_LANGUAGES}
    seeds = seed_base.entries
    entries = list(seeds)
    for number in range(max(0, size - len(seeds))):
        seed = seeds[number % len(seeds)]
        questions = {
            lang: tuple(
                joiner[lang].join(rng.choices(vocabulary[lang], k=rng.randint(3, 7))) for _ in phrasings
            )
            for lang, phrasings in seed.questions.items()
        }
        entries.append(
            FaqEntry(
                id=f"synthetic_{number}",
                topic="synthetic",
                questions=MappingProxyType(questions),
                answers=seed.answers,
                tags=(),
                data=seed.data,
                path=seed.path,
                line=seed.line,
            )
        )
    return FaqBase(tuple(entries))


def with_typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def queries_from(seed_base: FaqBase, count: int, rng: random.Random) -> list[tuple[str, str]]:
    pool = [(q, lang) for e in seed_base.entries for lang, qs in e.questions.items() for q in qs]
    extra = {"en": "please", "de": "bitte", "fr": "svp", "ja": "です", "zh": "呢", "th": "ครับ"}
    picked = [pool[rng.randrange(len(pool))] for _ in range(count)]
    return [(f"{with_typo(q, rng)} {extra.get(lang, '')}".strip(), lang) for q, lang in picked]


class DifflibBaseline:
    """The obvious first attempt: SequenceMatcher ratio against every phrasing of the language."""

    def __init__(self, base: FaqBase) -> None:
        self.by_language: dict[str, list[tuple[str, str]]] = {}
        for entry in base.entries:
            for lang, phrasings in entry.questions.items():
                self.by_language.setdefault(lang, []).extend((normalize(q), entry.id) for q in phrasings)

    def match(self, text: str, language: str) -> tuple[str | None, float]:
        query = normalize(text)
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(query)
        best: tuple[str | None, float] = (None, 0.0)
        for phrasing, entry_id in self.by_language.get(language, ()):
            matcher.set_seq1(phrasing)
            ratio = matcher.ratio()
            if ratio > best[1]:
                best = (entry_id, ratio)
        return best


def timed(run: Callable[[str, str], object], queries: Sequence[tuple[str, str]]) -> dict[str, float]:
    latencies = []
    started = time.perf_counter()
    for text, lang in queries:
        t0 = time.perf_counter()
        run(text, lang)
        latencies.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    latencies.sort()
    return {
        "queries": len(queries),
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "messages_per_s": len(queries) / total,
    }


def measure(entries: int, query_count: int, baseline_count: int) -> dict[str, Any]:
    rng = random.Random(7)
    seed_dir = SAMPLE if any(SAMPLE.glob("*.yaml")) else FIXTURE
    seed_base = load_faq_dir(seed_dir)
    base = synthetic_base(seed_base, entries, rng)
    phrasings = sum(len(qs) for e in base.entries for qs in e.questions.values())

    tracemalloc.start()
    t0 = time.perf_counter()
    matcher = FaqMatcher(
        base, answer_threshold=DEFAULT_ANSWER_THRESHOLD, suggest_threshold=DEFAULT_SUGGEST_THRESHOLD
    )
    build_traced_s = time.perf_counter() - t0
    matcher_bytes, _ = tracemalloc.get_traced_memory()
    baseline = DifflibBaseline(base)
    both_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    t0 = time.perf_counter()
    FaqMatcher(base, answer_threshold=DEFAULT_ANSWER_THRESHOLD, suggest_threshold=DEFAULT_SUGGEST_THRESHOLD)
    build_s = time.perf_counter() - t0

    queries = queries_from(seed_base, query_count, rng)
    timed(matcher.match, queries[:50])  # warm-up
    ours = timed(matcher.match, queries)
    naive = timed(baseline.match, queries[:baseline_count])
    return {
        "seed": str(seed_dir.relative_to(ROOT)),
        "entries": len(base.entries),
        "languages": len(SUPPORTED_LANGUAGES),
        "phrasings": phrasings,
        "build_s": build_s,
        "build_under_tracemalloc_s": build_traced_s,
        "matcher_memory_mib": matcher_bytes / 2**20,
        "baseline_memory_mib": (both_bytes - matcher_bytes) / 2**20,
        "matcher": ours,
        "difflib_baseline": naive,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--baseline-queries", type=int, default=30)
    args = parser.parse_args()
    result = measure(args.entries, args.queries, args.baseline_queries)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    ours, naive = result["matcher"], result["difflib_baseline"]
    print(
        f"base: {result['entries']} entries x {result['languages']} languages = {result['phrasings']} "
        f"phrasings (recombined from {result['seed']})"
    )
    print(
        f"build: {result['build_s']:.2f} s; memory: matcher {result['matcher_memory_mib']:.1f} MiB, "
        f"difflib baseline {result['baseline_memory_mib']:.1f} MiB (tracemalloc)"
    )
    print(f"{'':22}{'queries':>8}{'p50 ms':>10}{'p99 ms':>10}{'msg/s':>10}")
    for name, row in (("FaqMatcher", ours), ("difflib baseline", naive)):
        print(
            f"{name:<22}{row['queries']:>8}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}{row['messages_per_s']:>10.1f}"
        )
    print(f"speed-up (p50): {naive['p50_ms'] / ours['p50_ms']:.0f}x")


if __name__ == "__main__":
    main()
