"""Evaluation case files (JSON Lines) shared by the `borderdesk eval …` commands."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class CaseFileError(ValueError):
    """A case file that cannot be read; the message names the file and line."""


def read_cases(path: Path, *, required: tuple[str, ...] = ("text",)) -> list[Mapping[str, Any]]:
    """Read one JSON object per non-blank line; every object must carry the `required` keys."""
    cases: list[Mapping[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read: {exc.strerror}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CaseFileError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(case, dict):
            raise CaseFileError(f"{path}:{number}: expected a JSON object")
        missing = [key for key in required if key not in case]
        if missing:
            raise CaseFileError(f"{path}:{number}: missing key(s) {', '.join(missing)}")
        if not isinstance(case["text"], str):
            raise CaseFileError(f"{path}:{number}: 'text' must be a string")
        cases.append(case)
    if not cases:
        raise CaseFileError(f"{path}: no cases")
    return cases
