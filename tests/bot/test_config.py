"""The one configuration model: discovery, validation, environment overrides, secrecy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings, load_settings
from escalation.priority import Priority

TOKEN = "123456:TOP-SECRET-TOKEN"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_need_no_file_and_use_embedded_sqlite() -> None:
    """Without any config file BorderDesk runs on SQLite with the sample FAQ."""
    settings, path = load_settings(None)
    assert path is None
    assert settings.database.url.startswith("sqlite+aiosqlite://")
    assert settings.faq.dir.is_dir()
    assert settings.sla.target(Priority.P1).first_response_for(Priority.P1) == timedelta(hours=1)


def test_example_config_is_valid_and_documents_every_section() -> None:
    """config.example.toml loads as it ships, and names every section of the model."""
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    settings, _ = load_settings(example)
    text = example.read_text(encoding="utf-8")
    for section in Settings.model_fields:
        assert f"[{section}" in text, f"config.example.toml lacks a [{section}] section"
    assert settings.telegram.mode == "polling"


def test_unknown_key_is_named_with_file_and_env_variable(tmp_path: Path) -> None:
    """A typo is rejected with its dotted key path and the file it came from."""
    config = write(tmp_path / "c.toml", '[telegram]\ntokn = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert str(config) in message
    assert "telegram.tokn: unknown key" in message
    assert "BORDERDESK_TELEGRAM__TOKN" in message


def test_wrong_types_and_impossible_values_are_all_reported(tmp_path: Path) -> None:
    """Every problem is listed at once, each with its key."""
    config = write(
        tmp_path / "c.toml",
        '[telegram]\nmode = "webhok"\n[sla.P1]\nfirst_response = "-1h"\n'
        '[languages]\nfallback = "xx"\n[slack]\nlisten = "nowhere"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    for key in ("telegram.mode", "sla.P1.first_response", "languages", "slack.listen"):
        assert key in message


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    """A syntax error says where it is."""
    config = write(tmp_path / "c.toml", "[database\nurl = 1\n")
    with pytest.raises(ConfigError, match=r"c\.toml: invalid TOML: .*line 1"):
        load_settings(config)


def test_environment_overrides_file_per_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BORDERDESK_<SECTION>__<KEY> beats the file and leaves sibling keys alone."""
    config = write(tmp_path / "c.toml", '[sla.P2]\nreminders = [0.25]\n[telegram]\nmode = "polling"\n')
    monkeypatch.setenv("BORDERDESK_SLA__P2__FIRST_RESPONSE", "30m")
    monkeypatch.setenv("BORDERDESK_TELEGRAM__TOKEN", TOKEN)
    settings, _ = load_settings(config)
    assert settings.sla.P2.first_response == timedelta(minutes=30)
    assert settings.sla.P2.reminders == (0.25,)
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == TOKEN


def test_config_file_discovery_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--config beats $BORDERDESK_CONFIG, which beats ./config.toml."""
    local = write(tmp_path / "config.toml", '[logging]\nlevel = "DEBUG"\n')
    named = write(tmp_path / "named.toml", '[logging]\nlevel = "WARNING"\n')
    explicit = write(tmp_path / "explicit.toml", '[logging]\nlevel = "ERROR"\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings(None)[1] == Path("config.toml")
    assert load_settings(None)[0].logging.level == "DEBUG"
    monkeypatch.setenv("BORDERDESK_CONFIG", str(named))
    assert load_settings(None)[0].logging.level == "WARNING"
    assert load_settings(explicit)[0].logging.level == "ERROR"
    assert local.exists()


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    """--config pointing nowhere stops with a clear message rather than using defaults."""
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "absent.toml")


def test_secrets_never_appear_in_repr_errors_or_config_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tokens and passwords are masked in reprs, validation errors and `borderdesk config check`."""
    config = write(
        tmp_path / "c.toml",
        f'[telegram]\ntoken = "{TOKEN}"\nwebhook_secret = "bad secret with spaces {TOKEN}"\n'
        f'[database]\nurl = "postgresql+asyncpg://bot:{TOKEN}@db/borderdesk"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert TOKEN not in str(caught.value)
    assert "webhook_secret" in str(caught.value)

    good = write(
        tmp_path / "good.toml",
        f'[telegram]\ntoken = "{TOKEN}"\n[slack]\nbot_token = "xoxb-{TOKEN}"\nsigning_secret = "{TOKEN}"\n'
        f'[database]\nurl = "postgresql+asyncpg://bot:{TOKEN}@db/borderdesk"\n',
    )
    settings, _ = load_settings(good)
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert main(["--config", str(good), "config", "check"]) == 0
    assert main(["--config", str(good), "config", "check", "--json"]) == 0
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    assert "**********" in captured.out


def test_broken_config_makes_every_command_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing starts on a bad config; the error goes to stderr."""
    config = write(tmp_path / "c.toml", "[nope]\nx = 1\n")
    assert main(["--config", str(config), "tickets"]) == 2
    assert "nope: unknown key" in capsys.readouterr().err


def test_webhook_mode_requires_url_and_secret(tmp_path: Path) -> None:
    """A webhook without its secret would accept forged updates: refuse it."""
    config = write(tmp_path / "c.toml", f'[telegram]\ntoken = "{TOKEN}"\nmode = "webhook"\n')
    with pytest.raises(ConfigError, match="webhook_url"):
        load_settings(config)
