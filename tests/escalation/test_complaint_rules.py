"""Phrase files: validation with file:line errors, matching rules, priorities and the VIP rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation.complaints import (
    ComplaintCategory,
    ComplaintDetector,
    apply_vip,
    check_phrase_dir,
)
from escalation.priority import Priority
from knowledge.content import ContentError

SAMPLE = Path(__file__).resolve().parents[2] / "escalation" / "sample" / "complaints"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
language: en
apostrophes: join
negation:
  before: [not, never]
questions:
  before: [what if, do you sell]
conditionals:
  before: [if]
phrases:
  damaged: [broken, crack*]
  counterfeit: [fake*]
  late_delivery: [still not here, its been <n> days]
  wrong_item: [ordered ...6 got]
  legal: [lawyer]
"""


@pytest.fixture
def detector(tmp_path: Path) -> ComplaintDetector:
    write(tmp_path, "en.yaml", MINIMAL)
    return ComplaintDetector.load(tmp_path)


def test_sample_phrase_files_are_valid() -> None:
    """The shipped sample directory has no problems."""
    assert check_phrase_dir(SAMPLE) == []


def test_every_category_has_a_priority() -> None:
    """Each category maps to exactly the priority the issue defines."""
    p1 = {"counterfeit", "fraud", "chargeback", "legal", "safety"}
    p2 = {"damaged", "wrong_item", "missing_item", "refund_demand", "return_rejected"}
    for category in ComplaintCategory:
        expected = Priority.P1 if category in p1 else Priority.P2 if category in p2 else Priority.P3
        assert category.priority is expected


@pytest.mark.parametrize(
    ("priority", "vip", "expected"),
    [
        (Priority.P3, True, Priority.P2),
        (Priority.P2, True, Priority.P1),
        (Priority.P1, True, Priority.P1),
        (Priority.P3, False, Priority.P3),
    ],
)
def test_vip_moves_up_one_level(priority: Priority, vip: bool, expected: Priority) -> None:
    """VIP buyers get one level more urgent; P1 stays P1; others unchanged."""
    assert apply_vip(priority, vip=vip) is expected


def test_stem_and_number_and_gap_patterns_match(detector: ComplaintDetector) -> None:
    """`crack*` matches inflections, `<n>` any number, `...` a few words in between."""
    cracked = detector.detect("the lid is cracked", "en")
    assert cracked is not None
    assert cracked.category is ComplaintCategory.DAMAGED
    waited = detector.detect("its been 30 days", "en")
    assert waited is not None
    assert waited.category is ComplaintCategory.LATE_DELIVERY
    found = detector.detect("ordered a red one and got blue", "en")
    assert found is not None
    assert found.category is ComplaintCategory.WRONG_ITEM
    assert found.matched == ("ordered a red one and got",)


def test_negator_before_phrase_cancels_it(detector: ComplaintDetector) -> None:
    """ "not broken" is not a complaint, but the negation stops at a comma."""
    assert detector.detect("it is not broken, just asking", "en") is None
    assert detector.detect("not happy, the box is broken", "en") is not None


def test_policy_question_is_not_a_complaint(detector: ComplaintDetector) -> None:
    """Question markers near a phrase make it a policy question."""
    assert detector.detect("what if it arrives broken?", "en") is None
    assert detector.detect("do you sell fakes?", "en") is None


def test_if_only_matters_inside_a_question(detector: ComplaintDetector) -> None:
    """A conditional inside a question is hypothetical; a statement stays a complaint."""
    assert detector.detect("is it replaced if the screen is broken?", "en") is None
    assert detector.detect("the screen is broken if you want to know", "en") is not None


def test_threats_stay_complaints_when_conditional(detector: ComplaintDetector) -> None:
    """ "if you don't answer, my lawyer…?" is still a legal threat."""
    found = detector.detect("if you dont answer today should I call my lawyer?", "en")
    assert found is not None
    assert found.category is ComplaintCategory.LEGAL


def test_most_urgent_signal_wins(detector: ComplaintDetector) -> None:
    """Late and fake: the P1 counterfeit beats the P3 delay, and both phrases are reported."""
    found = detector.detect("still not here and the last one was fake", "en")
    assert found is not None
    assert found.priority is Priority.P1
    assert set(found.matched) == {"still not here", "fake"}


def test_typo_in_a_long_word_is_tolerated(tmp_path: Path) -> None:
    """One slip in a word of six letters or more still matches."""
    write(tmp_path, "en.yaml", "language: en\nphrases:\n  damaged: [shattered]\n")
    detector = ComplaintDetector.load(tmp_path)
    assert detector.detect("the mirror is shatered", "en") is not None
    assert detector.detect("the mirror is shaded", "en") is None


def test_validation_reports_every_problem_with_file_and_line(tmp_path: Path) -> None:
    """Unknown category, bad phrase, unquoted `no`, bad scope and unknown key point at their lines."""
    path = write(
        tmp_path,
        "en.yaml",
        "language: en\n"  # 1
        "negaton: {}\n"  # 2
        "negation:\n"  # 3
        "  scope: lots\n"  # 4
        "  before:\n"  # 5
        "    - no\n"  # 6
        "phrases:\n"  # 7
        "  damages: [broken]\n"  # 8
        "  damaged:\n"  # 9
        "    - ... broken\n"  # 10
        "    - a\n"  # 11
        "    - broken\n"  # 12
        "    - broken\n",  # 13
    )
    problems = check_phrase_dir(tmp_path)
    by_line = {p.line: p.message for p in problems}
    assert all(p.path == str(path) for p in problems)
    assert "unknown key 'negaton'" in by_line[2]
    assert "scope" in by_line[4]
    assert "quotes" in by_line[6]
    assert "unknown category 'damages'" in by_line[8]
    assert "cannot start or end with '...'" in by_line[10]
    assert "too short" in by_line[11]
    assert "repeats the one on line 12" in by_line[13]
    assert str(problems[0]).startswith(f"{path}:2: ")


def test_load_raises_content_error_on_bad_directory(tmp_path: Path) -> None:
    """Loading refuses invalid files with a ContentError carrying the problems."""
    write(tmp_path, "xx.yaml", "language: xx\nphrases: {}\n")
    with pytest.raises(ContentError, match=r"xx\.yaml:1: language must be one of"):
        ComplaintDetector.load(tmp_path)


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    """A YAML syntax error is reported with its file and line."""
    write(tmp_path, "en.yaml", "language: en\nphrases:\n  damaged: [broken\n")
    problems = check_phrase_dir(tmp_path)
    assert len(problems) == 1
    assert problems[0].path.endswith("en.yaml")
    assert "YAML syntax error" in problems[0].message


def test_same_language_twice_is_an_error(tmp_path: Path) -> None:
    """Two files may not define the same language."""
    write(tmp_path, "a.yaml", MINIMAL)
    write(tmp_path, "b.yaml", MINIMAL)
    problems = check_phrase_dir(tmp_path)
    assert [p.path.endswith("b.yaml") for p in problems] == [True]
    assert "already defined" in problems[0].message


def test_character_languages_reject_stems(tmp_path: Path) -> None:
    """'*' means nothing where words are not separated, and is reported."""
    write(tmp_path, "ja.yaml", "language: ja\nphrases:\n  damaged: [壊れ*]\n")
    problems = check_phrase_dir(tmp_path)
    assert problems[0].line == 3
    assert "character matching" in problems[0].message


def test_specific_delivery_diagnosis_beats_a_generic_one(tmp_path: Path) -> None:
    """A parcel stuck at customs is a customs case even when a longer tracking phrase matches too."""
    write(
        tmp_path,
        "en.yaml",
        "language: en\nphrases:\n  tracking_stuck: [has been stuck for days]\n  customs_held: [customs]\n"
        "  late_delivery: [still not here]\n",
    )
    detector = ComplaintDetector.load(tmp_path)
    found = detector.detect("still not here, it has been stuck for days at customs", "en")
    assert found is not None
    assert found.category is ComplaintCategory.CUSTOMS_HELD


def test_phrase_starting_before_a_longer_one_still_counts(tmp_path: Path) -> None:
    """Overlapping phrases: only the one starting inside the longer phrase yields to it."""
    write(
        tmp_path,
        "ja.yaml",
        "language: ja\nphrases:\n  customs_held: [税関...止ま]\n  tracking_stuck: [止まってます]\n",
    )
    detector = ComplaintDetector.load(tmp_path)
    held = detector.detect("税関で止まってます", "ja")
    assert held is not None
    assert held.category is ComplaintCategory.CUSTOMS_HELD


def test_question_marker_may_share_characters_with_the_phrase(tmp_path: Path) -> None:
    """Unspaced "do you sell" + "fakes" written as one run is still a policy question."""
    write(
        tmp_path,
        "th.yaml",
        "language: th\nquestions:\n  before: [ขายของ]\nphrases:\n  counterfeit: [ของปลอม]\n",
    )
    detector = ComplaintDetector.load(tmp_path)
    assert detector.detect("ขายของปลอมไหม", "th") is None
    assert detector.detect("ได้ของปลอมมา", "th") is not None


def test_hebrew_final_letters_match_inflected_forms(tmp_path: Path) -> None:
    """A stem written with a final letter (ף) finds the inflected form written with its plain twin (פ)."""
    write(tmp_path, "he.yaml", "language: he\nphrases:\n  counterfeit: [מזויף*]\n")
    detector = ComplaintDetector.load(tmp_path)
    found = detector.detect("האוזניות מזויפות", "he")
    assert found is not None
    assert found.category is ComplaintCategory.COUNTERFEIT


def test_folds_let_buyers_spell_umlauts_as_two_letters(tmp_path: Path) -> None:
    """With `folds: {ae: a}` "verspaetet" finds a phrase written "verspätet", and the other way round."""
    write(
        tmp_path,
        "de.yaml",
        "language: de\nfolds: {ae: a, ue: u}\nphrases:\n  late_delivery: [verspätet]\n  refund_demand: [geld zurueck]\n",
    )
    detector = ComplaintDetector.load(tmp_path)
    late = detector.detect("lieferung is total verspaetet", "de")
    refund = detector.detect("ich will mein geld zurück", "de")
    assert late is not None
    assert late.category is ComplaintCategory.LATE_DELIVERY
    assert refund is not None
    assert refund.category is ComplaintCategory.REFUND_DEMAND


def test_question_marks_make_a_conditional_hypothetical_without_cancelling(tmp_path: Path) -> None:
    """A question particle turns "if it breaks, what then" into a question, but alone cancels nothing."""
    write(
        tmp_path,
        "th.yaml",
        "language: th\nquestions:\n  marks: [ทำไง]\nconditionals:\n  before: [ถ้า]\n"
        "phrases:\n  damaged: [แตก]\n  customs_held: [ติดศุลกากร]\n",
    )
    detector = ComplaintDetector.load(tmp_path)
    assert detector.detect("ถ้าของมาแตกทำไงคะ", "th") is None
    held = detector.detect("พัสดุติดศุลกากร ต้องทำไงคะ", "th")
    assert held is not None
    assert held.category is ComplaintCategory.CUSTOMS_HELD


def test_a_number_with_a_case_ending_is_still_a_number(tmp_path: Path) -> None:
    """Turkish "2si" (two of them) fills a `<n>` slot."""
    write(tmp_path, "tr.yaml", "language: tr\nphrases:\n  missing_item: [sadece <n>]\n")
    detector = ComplaintDetector.load(tmp_path)
    found = detector.detect("3 üründen sadece 2si geldi", "tr")
    assert found is not None
    assert found.category is ComplaintCategory.MISSING_ITEM


def test_marks_and_folds_are_validated_with_their_line(tmp_path: Path) -> None:
    """Marks outside `questions` and a fold that is not letters: letters are reported at their line."""
    write(
        tmp_path,
        "de.yaml",
        "language: de\nfolds: {ae: 1}\nnegation:\n  marks: [oder]\nphrases:\n  damaged: [kaputt]\n",
    )
    problems = check_phrase_dir(tmp_path)
    assert [(p.line, "folds" in p.message or "marks" in p.message) for p in problems] == [
        (2, True),
        (4, True),
    ]
