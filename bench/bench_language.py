"""Language detector speed and memory, next to raw langdetect measured in the same run.

    python bench/bench_language.py [--cases ../shared/eval/langid.jsonl] [--limit N]

Each detector runs in its own child process pinned to one core, so its memory (RSS growth from
loading the detector and judging every text) is not mixed with the other's. Accuracy per kind is
printed too, as a sanity check that the speed was not bought with wrong answers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_CASES = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "langid.jsonl"
DETECTORS = ("langdetect-raw", "borderdesk")


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _load(name: str) -> Callable[[str], str | None]:
    # Imports happen here, after the first RSS reading, so they count towards the detector's memory.
    if name == "langdetect-raw":
        from langdetect import DetectorFactory, detect  # noqa: PLC0415
        from langdetect.lang_detect_exception import LangDetectException  # noqa: PLC0415

        DetectorFactory.seed = 0

        def raw(text: str) -> str | None:
            try:
                return str(detect(text)).split("-")[0]
            except LangDetectException:
                return None

        raw("warm up")  # langdetect loads its profiles on first use
        return raw
    from knowledge.language import LanguageDetector  # noqa: PLC0415

    detector = LanguageDetector()
    return lambda text: detector.detect(text).language


def _worker(name: str, cases_path: Path, limit: int | None) -> dict[str, Any]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cases = [json.loads(line) for line in cases_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = cases[:limit] if limit else cases
    before = _rss_mib()
    started = time.perf_counter()
    detect = _load(name)
    load_seconds = time.perf_counter() - started
    per_kind: dict[str, list[int]] = {}
    started = time.perf_counter()
    for case in cases:
        right = detect(case["text"]) == case["lang"]
        stats = per_kind.setdefault(str(case.get("kind", "all")), [0, 0])
        stats[0] += right
        stats[1] += 1
    seconds = time.perf_counter() - started
    return {
        "detector": name,
        "texts_per_s": len(cases) / seconds,
        "memory_mib": _rss_mib() - before,
        "load_s": load_seconds,
        "accuracy": {kind: right / total for kind, (right, total) in sorted(per_kind.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--worker", choices=DETECTORS, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.cases, args.limit)))
        return
    if not args.cases.is_file():
        parser.error(f"{args.cases}: no such file (pass --cases FILE.jsonl)")
    # One BLAS thread: the figure is for one core.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    results = []
    for name in DETECTORS:
        command = [sys.executable, __file__, "--worker", name, "--cases", str(args.cases)]
        if args.limit:
            command += ["--limit", str(args.limit)]
        done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps({"cases": str(args.cases), "baseline": results[0], "borderdesk": results[1]}))
        return
    print(f"cases: {args.cases}")
    print(f"{'detector':<16}{'texts/s':>10}{'memory MiB':>12}{'load s':>8}  accuracy per kind")
    for result in results:
        accuracy = "  ".join(f"{kind} {value:.2%}" for kind, value in result["accuracy"].items())
        print(
            f"{result['detector']:<16}{result['texts_per_s']:>10.0f}{result['memory_mib']:>12.1f}"
            f"{result['load_s']:>8.2f}  {accuracy}"
        )
    baseline, ours = results
    print(
        f"borderdesk vs raw langdetect: {ours['texts_per_s'] / baseline['texts_per_s']:.1f}x the speed, "
        f"{ours['memory_mib'] - baseline['memory_mib']:+.1f} MiB"
    )


if __name__ == "__main__":
    main()
