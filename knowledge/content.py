"""Admin-edited YAML content: loading with line numbers and `file:line: problem` errors.

Every admin-editable file (FAQ topics, size charts, shipping and duty tables, complaint phrases)
goes through `load_yaml` so that every validation error can point at the exact line.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from watchfiles import awatch

log = logging.getLogger(__name__)

# Editors save in several steps (temp file, rename): wait for the burst to settle before reloading.
WATCH_DEBOUNCE_MS = 800

T = TypeVar("T")


@dataclass(frozen=True, order=True)
class ContentProblem:
    """One thing wrong in an admin file, located by file and 1-based line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised when content is invalid; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[ContentProblem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class LineDict(dict[str, Any]):
    """A YAML mapping that remembers where it and each of its keys stand in the file."""

    line: int = 1
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A YAML sequence that remembers where it and each of its items stand in the file."""

    line: int = 1
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that builds LineDict/LineList and rejects duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            # YAML turns `no:`/`yes:` into booleans; language codes must stay strings.
            key = str(key_node.value)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path, *, display_path: str | None = None) -> Any:
    """Parse one YAML file; mappings become LineDict and sequences LineList.

    Raises ContentError with the file and line of a syntax error or a duplicate key.
    """
    shown = display_path or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError([ContentProblem(shown, 1, f"not valid UTF-8 ({exc.reason})")]) from exc
    except OSError as exc:
        raise ContentError([ContentProblem(shown, 1, f"cannot read file: {exc.strerror}")]) from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "invalid YAML"
        raise ContentError([ContentProblem(shown, line, f"YAML syntax error: {what}")]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([ContentProblem(shown, 1, f"YAML syntax error: {exc}")]) from exc


class ProblemCollector:
    """Accumulates problems while validating one file, so an admin sees all of them at once."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[ContentProblem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(ContentProblem(self.path, line, message))

    def unknown_keys(self, mapping: LineDict, allowed: Iterable[str], where: str) -> None:
        allowed_set = set(allowed)
        for key in mapping:
            if key not in allowed_set:
                expected = ", ".join(sorted(allowed_set))
                self.add(
                    mapping.line_of(key), f"unknown key {key!r} in {where} (expected one of: {expected})"
                )

    def require_mapping(self, value: Any, line: int, where: str) -> LineDict | None:
        if isinstance(value, LineDict):
            return value
        self.add(line, f"{where} must be a mapping, got {_kind(value)}")
        return None

    def require_list(self, value: Any, line: int, where: str) -> LineList | None:
        if isinstance(value, LineList):
            return value
        self.add(line, f"{where} must be a list, got {_kind(value)}")
        return None

    def require_text(self, value: Any, line: int, where: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.add(line, f"{where} must be non-empty text, got {_kind(value)}")
        return None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "empty text" if not value.strip() else "text"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def yaml_files(directory: Path) -> list[Path]:
    """The YAML files of a content directory, in a stable order."""
    return sorted(p for p in directory.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())


class ContentHolder(Generic[T]):
    """Holds the current good version of admin content; a reload swaps it atomically or keeps the old one."""

    def __init__(self, loader: Callable[[], T]) -> None:
        self._loader = loader
        self._current = loader()  # the first load must succeed: ContentError stops the start

    @property
    def current(self) -> T:
        return self._current

    def reload(self) -> list[ContentProblem]:
        """Load again; [] when swapped in, else the problems (the previous version keeps serving)."""
        try:
            fresh = self._loader()
        except ContentError as exc:
            return list(exc.problems)
        # One attribute assignment: readers see either the old or the new version, never a mix.
        self._current = fresh
        return []

    async def watch(
        self,
        paths: Sequence[Path],
        on_result: Callable[[list[ContentProblem]], Awaitable[None] | None],
    ) -> None:
        """Reload whenever a file under `paths` changes; runs until cancelled."""
        async for _changes in awatch(*paths, debounce=WATCH_DEBOUNCE_MS):
            problems = await asyncio.to_thread(self.reload)
            if problems:
                log.warning(
                    "content reload rejected (%d problems); the previous version keeps serving", len(problems)
                )
            else:
                log.info("content reloaded from %s", ", ".join(str(path) for path in paths))
            result = on_result(problems)
            if inspect.isawaitable(result):
                await result
