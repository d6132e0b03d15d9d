"""The command line: content checks, evaluations with --json, ticket listing, db commands."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import SAMPLE_FAQ_DIR

ROOT = Path(__file__).resolve().parents[2]


def write_cases(path: Path, cases: list[dict[str, object]]) -> Path:
    path.write_text(
        "\n".join(json.dumps(case, ensure_ascii=False) for case in cases) + "\n", encoding="utf-8"
    )
    return path


def test_faq_check_passes_on_the_sample_base(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped sample FAQ, data and complaint files are valid."""
    assert main(["faq", "check"]) == 0
    assert "no problems" in capsys.readouterr().err


def test_faq_check_reports_file_and_line_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken FAQ file is reported as file:line: problem, all problems at once."""
    broken = tmp_path / "faq"
    shutil.copytree(SAMPLE_FAQ_DIR, broken)
    target = broken / "payment.yaml"
    lines = target.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("- id:"))
    lines.insert(index + 1, "    answer_typo: oops")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (broken / "zz.yaml").write_text("entries: [\n", encoding="utf-8")
    assert main(["faq", "check", str(broken), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"]
    located = {(Path(p["file"]).name, p["line"]) for p in report["problems"]}
    assert ("payment.yaml", index + 2) in located
    assert any(name == "zz.yaml" for name, _ in located)


def test_eval_commands_print_the_documented_json_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`eval lang|faq|complaints --json` print one object each with the contract's keys."""
    lang = write_cases(
        tmp_path / "lang.jsonl",
        [
            {"text": "Wie lange dauert der Versand nach Berlin?", "lang": "de", "kind": "sentence"},
            {"text": "Сколько стоит доставка?", "lang": "ru", "kind": "sentence"},
        ],
    )
    assert main(["eval", "lang", "--cases", str(lang), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"n", "accuracy", "per_lang", "per_kind"} <= report.keys()
    assert report["n"] == 2

    faq = write_cases(
        tmp_path / "faq.jsonl",
        [
            {"text": "how long does shipping take", "lang": "en", "expect": "shipping_time"},
            {"text": "who will win the world cup", "lang": "en", "expect": None},
        ],
    )
    assert main(["eval", "faq", "--cases", str(faq), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"n", "accuracy", "precision", "suggest_recall", "per_lang"} <= report.keys()

    complaints = write_cases(
        tmp_path / "complaints.jsonl",
        [
            {"text": "the bag you sent is a fake, I want my money back", "lang": "en", "expect": "P1"},
            {"text": "what is your refund policy?", "lang": "en", "expect": None},
        ],
    )
    assert main(["eval", "complaints", "--cases", str(complaints), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {
        "n",
        "accuracy",
        "complaint_precision",
        "complaint_recall",
        "per_priority",
        "per_lang",
    } <= report.keys()
    assert set(report["per_priority"]) == {"P1", "P2", "P3"}


def test_eval_with_a_malformed_case_file_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad JSON line is a usage error with file and line, not a traceback."""
    cases = tmp_path / "bad.jsonl"
    cases.write_text('{"text": "ok", "lang": "en"}\n{not json\n', encoding="utf-8")
    assert main(["eval", "lang", "--cases", str(cases)]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err


def test_db_and_tickets_commands_on_a_fresh_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`db upgrade`, `db current --json` and `tickets --json` work on an empty SQLite file."""
    monkeypatch.setenv("BORDERDESK_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1])["up_to_date"] is True
    assert main(["tickets", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"tickets": [], "counts": {}}


def test_python_dash_m_bot_is_the_same_command() -> None:
    """`python -m bot --help` works like `borderdesk --help`."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "borderdesk" in result.stdout
    assert "chat" in result.stdout
