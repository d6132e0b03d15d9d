"""The knowledge facade: answers, "did you mean" choices, and safe live reloading."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from knowledge.content import ContentError, ContentProblem
from knowledge.service import (
    Knowledge,
    KnowledgeAnswer,
    KnowledgeHolder,
    KnowledgeNoMatch,
    KnowledgeSuggestions,
    load_knowledge,
)

FIXTURES = Path(__file__).parent / "fixtures" / "faq"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(FIXTURES, None)


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    target = tmp_path / "faq"
    shutil.copytree(FIXTURES, target)
    return target


def test_confident_match_answers_in_the_buyer_language(knowledge: Knowledge) -> None:
    """A matched question returns that entry's answer in the buyer's language."""
    outcome = knowledge.answer("kann ich mit paypal zahlen?", "de")
    assert isinstance(outcome, KnowledgeAnswer)
    assert (outcome.entry_id, outcome.source) == ("payment_methods", "faq")
    assert outcome.text == "Wir akzeptieren Visa, Mastercard und PayPal."


def test_answer_language_follows_the_buyer_not_the_matched_phrasing(knowledge: Knowledge) -> None:
    """An English question from a buyer detected as Swedish gets the Swedish answer."""
    outcome = knowledge.answer("can i pay with paypal", "sv")
    assert isinstance(outcome, KnowledgeAnswer)
    assert outcome.text.startswith("Vi tar emot")


def test_unsupported_language_falls_back_to_the_source_language(knowledge: Knowledge) -> None:
    """An unknown language code gets the source-language answer."""
    outcome = knowledge.answer("is there a warranty", "xx")
    assert isinstance(outcome, KnowledgeAnswer)
    assert outcome.text == "Electronics come with a 12-month warranty."


def test_unsure_match_offers_titled_choices_in_the_buyer_language(faq_dir: Path) -> None:
    """Between the thresholds the buyer gets choices titled with each entry's first question."""
    strict = load_knowledge(faq_dir, None, answer_threshold=0.99, suggest_threshold=0.05)
    outcome = strict.answer("garantie ou retour ?", "fr")
    assert isinstance(outcome, KnowledgeSuggestions)
    titles = {choice.entry_id: choice.title for choice in outcome.choices}
    assert titles["warranty"] == "y a-t-il une garantie"
    assert titles["return_policy"] == "puis-je retourner un article"
    assert len(outcome.choices) <= 3


def test_unrelated_message_is_no_match(knowledge: Knowledge) -> None:
    """Chit-chat yields no match, so the engine can offer a human."""
    assert isinstance(knowledge.answer("tell me a joke", "en"), KnowledgeNoMatch)


def test_answer_entry_renders_a_chosen_entry(knowledge: Knowledge) -> None:
    """A picked choice is answered by id; an unknown id gives None."""
    outcome = knowledge.answer_entry("warranty", "ja")
    assert outcome is not None
    assert outcome.text == "電子機器には12か月の保証が付きます。"
    assert knowledge.answer_entry("no_such_entry", "ja") is None


def test_placeholders_stay_when_no_structured_data_is_loaded(knowledge: Knowledge) -> None:
    """Without data files the template is returned as written (nothing is invented)."""
    outcome = knowledge.answer_entry("shipping_time", "en")
    assert outcome is not None
    assert "{shipping_days}" in outcome.text


def test_load_knowledge_raises_with_every_problem(faq_dir: Path) -> None:
    """An invalid FAQ directory raises ContentError carrying the file:line problems."""
    (faq_dir / "returns.yaml").write_text("topic: x\nentries:\n  - id: a\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_knowledge(faq_dir, None)
    assert {p.line for p in caught.value.problems} == {3}


def test_holder_swaps_in_a_good_reload(faq_dir: Path) -> None:
    """After a valid edit, reload returns no problems and serves the new content."""
    holder = KnowledgeHolder(lambda: load_knowledge(faq_dir, None))
    old = holder.current
    path = faq_dir / "returns.yaml"
    path.write_text(path.read_text().replace("12-month warranty", "24-month warranty"), encoding="utf-8")
    assert holder.reload() == []
    assert holder.current is not old
    answer = holder.current.answer_entry("warranty", "en")
    assert answer is not None
    assert "24-month" in answer.text


def test_holder_keeps_the_last_good_snapshot_on_a_bad_reload(faq_dir: Path) -> None:
    """A broken edit is reported and the previous snapshot keeps serving."""
    holder = KnowledgeHolder(lambda: load_knowledge(faq_dir, None))
    good = holder.current
    (faq_dir / "returns.yaml").write_text("entries: [\n", encoding="utf-8")
    problems = holder.reload()
    assert problems
    assert all(isinstance(p, ContentProblem) for p in problems)
    assert holder.current is good


def test_holder_raises_when_the_first_load_fails(tmp_path: Path) -> None:
    """Starting with invalid content is an error, not a silently empty bot."""
    with pytest.raises(ContentError):
        KnowledgeHolder(lambda: load_knowledge(tmp_path / "missing", None))


async def test_watch_reloads_after_a_file_changes(faq_dir: Path) -> None:
    """Editing a watched file triggers a reload and reports its outcome."""
    holder = KnowledgeHolder(lambda: load_knowledge(faq_dir, None))
    results: asyncio.Queue[list[ContentProblem]] = asyncio.Queue()

    async def on_result(problems: list[ContentProblem]) -> None:
        await results.put(problems)

    task = asyncio.create_task(holder.watch([faq_dir], on_result))
    try:
        await asyncio.sleep(0.3)  # let the watcher start before the edit
        path = faq_dir / "returns.yaml"
        path.write_text(path.read_text().replace("12-month", "36-month"), encoding="utf-8")
        assert await asyncio.wait_for(results.get(), timeout=20) == []
        answer = holder.current.answer_entry("warranty", "en")
        assert answer is not None
        assert "36-month" in answer.text
        path.write_text("entries: [\n", encoding="utf-8")
        assert await asyncio.wait_for(results.get(), timeout=20) != []
        assert "36-month" in (holder.current.answer_entry("warranty", "en") or answer).text
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


SAMPLE_DATA = Path(__file__).resolve().parents[2] / "knowledge" / "sample" / "data"


@pytest.fixture(scope="module")
def with_data() -> Knowledge:
    return load_knowledge(FIXTURES, SAMPLE_DATA)


def test_concrete_structured_question_is_answered_from_the_data(with_data: Knowledge) -> None:
    """A size conversion question is computed from the charts, not matched against the FAQ."""
    outcome = with_data.answer("EU 42 in US?", "en")
    assert isinstance(outcome, KnowledgeAnswer)
    assert (outcome.source, outcome.entry_id) == ("sizes", "size_conversion_eu_us")


def test_faq_placeholders_are_filled_for_the_buyer_country(with_data: Knowledge) -> None:
    """An FAQ answer linked to shipping data shows the buyer's country's delivery range."""
    assert with_data.structured is not None
    expected = with_data.structured.placeholders("de", "BR")["shipping_days"]
    outcome = with_data.answer_entry("shipping_time", "de", country="BR")
    assert outcome is not None
    assert outcome.source == "faq"
    assert outcome.text == f"Der Standardversand dauert {expected} Werktage."


def test_unknown_country_uses_the_default_row(with_data: Knowledge) -> None:
    """Without a known country the data's default values fill the answer."""
    assert with_data.structured is not None
    expected = with_data.structured.placeholders("en", None)["shipping_days"]
    outcome = with_data.answer_entry("shipping_time", "en")
    assert outcome is not None
    assert outcome.text == f"Standard delivery takes {expected} business days."


def test_data_and_faq_problems_are_reported_together(faq_dir: Path, tmp_path: Path) -> None:
    """A broken data directory and a broken FAQ file are reported in one ContentError."""
    data_dir = tmp_path / "data"
    shutil.copytree(SAMPLE_DATA, data_dir)
    (data_dir / "shipping.yaml").write_text("default: [\n", encoding="utf-8")
    (faq_dir / "returns.yaml").write_text("entries: [\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_knowledge(faq_dir, data_dir)
    assert {Path(p.path).name for p in caught.value.problems} >= {"shipping.yaml", "returns.yaml"}
