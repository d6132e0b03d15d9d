"""FAQ topic files: loading, `file:line` validation, stale translations and stamping."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.content import ContentError, ContentProblem
from knowledge.faq import (
    STALE_PREFIX,
    check_faq_dir,
    fill_placeholders,
    load_faq_dir,
    source_hash,
    stamp_translations,
)
from knowledge.languages import SUPPORTED_LANGUAGES

FIXTURES = Path(__file__).parent / "fixtures" / "faq"


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    target = tmp_path / "faq"
    shutil.copytree(FIXTURES, target)
    return target


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    changed = text.replace(old, new, 1)
    path.write_text(changed, encoding="utf-8")
    return changed


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def problems_of(directory: Path) -> list[ContentProblem]:
    with pytest.raises(ContentError) as caught:
        load_faq_dir(directory)
    return caught.value.problems


def test_loads_every_entry_with_all_languages_and_its_location() -> None:
    """A valid directory loads every entry with questions and answers in all languages."""
    base = load_faq_dir(FIXTURES)
    assert [e.id for e in base.entries] == ["return_policy", "warranty", "shipping_time", "payment_methods"]
    entry = base.get("shipping_time")
    assert entry is not None
    assert set(entry.questions) == set(SUPPORTED_LANGUAGES) == set(entry.answers)
    assert entry.data == "shipping"
    assert entry.topic == "shipping"
    assert entry.path.endswith("shipping.yaml")
    assert entry.line == line_of((FIXTURES / "shipping.yaml").read_text(), "- id: shipping_time")
    assert entry.title_in("de") == "wie lange dauert der versand"
    assert base.get("nope") is None


def test_syntax_error_is_reported_with_file_and_line(faq_dir: Path) -> None:
    """A YAML syntax error names the file and the line it is on."""
    text = edit(
        faq_dir / "returns.yaml",
        "      en: [is there a warranty,",
        "      en: [is there: a warranty: x,\n  bad",
    )
    (problem,) = problems_of(faq_dir)
    assert problem.path.endswith("returns.yaml")
    assert "YAML syntax error" in problem.message
    assert abs(problem.line - line_of(text, "is there: a warranty")) <= 1


def test_unknown_key_typo_is_reported_at_its_line(faq_dir: Path) -> None:
    """A misspelt key such as `answer:` is an error at the key's line."""
    text = edit(faq_dir / "returns.yaml", "    tags: [warranty]", "    tags: [warranty]\n    answer: oops")
    problems = problems_of(faq_dir)
    assert [(p.line, "unknown key 'answer'" in p.message) for p in problems] == [
        (line_of(text, "answer: oops"), True)
    ]


def test_duplicate_id_across_files_points_at_both_places(faq_dir: Path) -> None:
    """The second definition of an id is reported, naming where the first one is."""
    text = edit(faq_dir / "shipping.yaml", "- id: payment_methods", "- id: warranty")
    (problem,) = problems_of(faq_dir)
    assert problem.path.endswith("shipping.yaml")
    assert problem.line == line_of(text, "- id: warranty")
    assert "duplicate id 'warranty'" in problem.message
    assert "returns.yaml:" in problem.message


def test_missing_answer_language_and_missing_questions_are_reported(faq_dir: Path) -> None:
    """A language without an answer, or without questions, is named in the problem."""
    path = faq_dir / "shipping.yaml"
    edit(path, "      sv: Vi tar emot Visa, Mastercard och PayPal.\n", "")
    text = edit(path, "      ko: [배송 기간이 얼마나 걸리나요, 택배 언제 도착해요, 배송 기간]\n", "")
    messages = {(p.line, p.message) for p in problems_of(faq_dir)}
    assert any("no answers in: sv" in m for _, m in messages)
    assert any("no questions in: ko" in m for _, m in messages)
    questions_line = line_of(text, "    questions:\n      en: [how long")
    assert (questions_line, "entry 'shipping_time' has no questions in: ko") in messages


def test_unknown_language_code_is_reported_at_its_line(faq_dir: Path) -> None:
    """A language code outside the supported list is an error at its line."""
    text = edit(
        faq_dir / "returns.yaml", "      sv: Elektronik har", "      xx: hello\n      sv: Elektronik har"
    )
    problems = problems_of(faq_dir)
    assert [p.line for p in problems] == [line_of(text, "xx: hello")]
    assert "unknown language code 'xx'" in problems[0].message


def test_placeholder_without_data_is_reported(faq_dir: Path) -> None:
    """A `{placeholder}` in an entry that declares no `data:` is an error."""
    text = edit(
        faq_dir / "returns.yaml",
        "Electronics come with a 12-month",
        "Electronics ({shipping_days}) come with a 12-month",
    )
    (problem,) = problems_of(faq_dir)
    assert problem.line == line_of(text, "Electronics ({shipping_days})")
    assert "{shipping_days}" in problem.message
    assert "no data" in problem.message


def test_placeholder_the_data_does_not_provide_is_reported(faq_dir: Path) -> None:
    """A placeholder the linked data cannot fill is an error that lists what it can fill."""
    text = edit(faq_dir / "shipping.yaml", "takes {shipping_days} business", "takes {shiping_days} business")
    (problem,) = problems_of(faq_dir)
    assert problem.line == line_of(text, "{shiping_days}")
    assert "not provided by data 'shipping'" in problem.message
    assert "{shipping_days}" in problem.message


def test_placeholders_follow_the_given_data_table(faq_dir: Path) -> None:
    """The placeholder table passed by the structured data replaces the documented one."""
    problems = check_faq_dir(faq_dir, placeholders={"shipping": frozenset({"days"})})
    assert len(problems) == 20
    assert all("{shipping_days}" in p.message for p in problems)


def test_empty_question_list_is_reported(faq_dir: Path) -> None:
    """`questions: {fr: []}` is an error at the language's line."""
    text = edit(
        faq_dir / "returns.yaml",
        "      fr: [y a-t-il une garantie, combien de temps dure la garantie, garantie sur l'électronique]",
        "      fr: []",
    )
    (problem,) = problems_of(faq_dir)
    assert problem.line == line_of(text, "fr: []")
    assert "empty question list for 'fr'" in problem.message


def test_same_question_in_two_entries_is_reported(faq_dir: Path) -> None:
    """One phrasing in two entries of the same language makes them indistinguishable."""
    edit(faq_dir / "returns.yaml", "[is there a warranty,", "[payment options, is there a warranty,")
    (problem,) = problems_of(faq_dir)
    assert "'payment_methods'" in problem.message
    assert "'warranty'" in problem.message


def test_all_problems_of_all_files_are_reported_at_once(faq_dir: Path) -> None:
    """One run lists every mistake in every file, sorted by file and line."""
    edit(faq_dir / "returns.yaml", "    tags: [returns]", "    tag: [returns]")
    edit(faq_dir / "shipping.yaml", "    tags: [payment]", "    tagz: [payment]")
    (faq_dir / "broken.yaml").write_text("topic: broken\nentries: [\n", encoding="utf-8")
    problems = problems_of(faq_dir)
    assert [Path(p.path).name for p in problems] == ["broken.yaml", "returns.yaml", "shipping.yaml"]
    assert problems == sorted(problems)


def test_wrong_shapes_are_reported_not_crashed_on(tmp_path: Path) -> None:
    """Lists where mappings belong, text where lists belong and empty files are problems."""
    (tmp_path / "a.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("", encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        "topic: c\nentries:\n  - id: Bad-Id\n    questions: hello\n    answers: [x]\n", encoding="utf-8"
    )
    messages = [f"{Path(p.path).name}:{p.line}: {p.message}" for p in problems_of(tmp_path)]
    assert any(m.startswith("a.yaml:1:") and "must be a mapping" in m for m in messages)
    assert any(m.startswith("b.yaml:1:") and "empty" in m for m in messages)
    assert any(m.startswith("c.yaml:3:") and "may only contain" in m for m in messages)
    assert any(
        m.startswith("c.yaml:4:") and "questions of entry 'Bad-Id' must be a mapping" in m for m in messages
    )
    assert any(
        m.startswith("c.yaml:5:") and "answers of entry 'Bad-Id' must be a mapping" in m for m in messages
    )


def test_missing_directory_is_a_problem(tmp_path: Path) -> None:
    """Pointing at a directory that does not exist is reported, not raised as OSError."""
    (problem,) = problems_of(tmp_path / "missing")
    assert "does not exist" in problem.message


def test_stale_translation_is_reported_but_still_loads(faq_dir: Path) -> None:
    """A translation stamped from an older source answer is stale: reported by check, loads fine."""
    assert stamp_translations(faq_dir) == 4 * 19
    assert check_faq_dir(faq_dir) == []
    edit(faq_dir / "returns.yaml", "within 30 days of delivery.", "within 14 days of delivery.")
    stale = check_faq_dir(faq_dir)
    assert len(stale) == 19
    assert all(p.message.startswith(STALE_PREFIX) and "'return_policy'" in p.message for p in stale)
    text = (faq_dir / "returns.yaml").read_text()
    assert stale[0].line == line_of(text, "    translated_from:\n") + 1
    assert load_faq_dir(faq_dir).get("return_policy") is not None


def test_missing_hash_is_not_an_error(faq_dir: Path) -> None:
    """Translations without a recorded hash are simply not checked."""
    assert check_faq_dir(faq_dir) == []


def test_stamp_only_adds_translated_from_lines(faq_dir: Path) -> None:
    """Stamping keeps every original line, comment and layout; it only inserts hash lines."""
    path = faq_dir / "shipping.yaml"
    before = path.read_text(encoding="utf-8").splitlines()
    stamp_translations(faq_dir)
    after = path.read_text(encoding="utf-8").splitlines()
    added = [line for line in after if line not in before]
    assert [line for line in after if line in before] == before
    assert added.count("    translated_from:") == 2
    assert len(added) == 2 + 2 * 19
    entry = load_faq_dir(faq_dir).get("shipping_time")
    assert entry is not None
    assert entry.translated_from["de"] == source_hash(entry.answers["en"])


def test_stamp_updates_only_stale_hashes_in_place(faq_dir: Path) -> None:
    """Re-stamping after a source change rewrites just the changed hashes; a second run does nothing."""
    stamp_translations(faq_dir)
    edit(faq_dir / "returns.yaml", "within 30 days of delivery.", "within 14 days of delivery.")
    lines_before = (faq_dir / "returns.yaml").read_text().count("\n")
    assert stamp_translations(faq_dir) == 19
    assert (faq_dir / "returns.yaml").read_text().count("\n") == lines_before
    assert stamp_translations(faq_dir) == 0
    assert check_faq_dir(faq_dir) == []


def test_stamp_completes_a_partial_flow_mapping(faq_dir: Path) -> None:
    """Hashes missing from an inline `{de: …}` mapping are added inside the braces."""
    edit(
        faq_dir / "returns.yaml",
        "    tags: [warranty]",
        "    translated_from: {de: 00000000}\n    tags: [warranty]",
    )
    assert len(check_faq_dir(faq_dir)) == 1
    assert stamp_translations(faq_dir) == 4 * 19
    assert check_faq_dir(faq_dir) == []


def test_stamp_refuses_an_invalid_directory(faq_dir: Path) -> None:
    """Stamping a base that does not load raises instead of writing hashes."""
    edit(faq_dir / "returns.yaml", "    tags: [returns]", "    tag: [returns]")
    with pytest.raises(ContentError):
        stamp_translations(faq_dir)


def test_hash_ignores_line_wrapping_only() -> None:
    """Re-wrapping an answer keeps its hash; changing a word does not."""
    assert source_hash("Returns within\n 30  days.") == source_hash("Returns within 30 days.")
    assert source_hash("Returns within 14 days.") != source_hash("Returns within 30 days.")


def test_fill_placeholders_keeps_unknown_names_visible() -> None:
    """Known placeholders are replaced; unknown ones are left as written."""
    assert fill_placeholders("{a} and {b}", {"a": "7–12"}) == "7–12 and {b}"
