"""The one configuration model: TOML file + `BORDERDESK_<SECTION>__<KEY>` environment overrides.

Where the file comes from: `borderdesk --config PATH`, else `$BORDERDESK_CONFIG`, else `./config.toml`,
else built-in defaults. Every section forbids unknown keys so a typo is a named error, and secrets are
`SecretStr` so they never show in reprs, logs or error messages.
"""

from __future__ import annotations

import os
import re
import tomllib
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from escalation.priority import DEFAULT_FIRST_RESPONSE, Priority
from knowledge.languages import SUPPORTED_LANGUAGES

ENV_PREFIX = "BORDERDESK_"
CONFIG_ENV_VAR = "BORDERDESK_CONFIG"
DEFAULT_CONFIG_FILE = Path("config.toml")

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_FAQ_DIR = PACKAGE_ROOT / "knowledge" / "sample" / "faq"
SAMPLE_DATA_DIR = PACKAGE_ROOT / "knowledge" / "sample" / "data"
SAMPLE_COMPLAINTS_DIR = PACKAGE_ROOT / "escalation" / "sample" / "complaints"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)\s*$")
_DURATION_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_PERIOD = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def _parse_duration(value: Any) -> Any:
    """Accept "90m", "1h", "1.5h", "2d", "45s" besides what pydantic takes (seconds, ISO 8601)."""
    if isinstance(value, str) and not value.strip().upper().startswith("P"):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"must be a positive duration such as '45s', '30m', '1h', '2d', got {value!r}")
        return timedelta(seconds=float(match.group(1)) * _DURATION_UNITS[match.group(2)])
    return value


Duration = Annotated[timedelta, BeforeValidator(_parse_duration)]


def _check_listen(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"must be host:port with a port from 1 to 65535, got {value!r}")
    return value


Listen = Annotated[str, BeforeValidator(lambda v: _check_listen(str(v)))]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(Section):
    url: str = Field(default="sqlite+aiosqlite:///borderdesk.db", repr=False)
    password: SecretStr | None = None
    auto_upgrade: bool | None = None
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def upgrades_on_start(self) -> bool:
        """SQLite (the embedded default) upgrades itself; a shared PostgreSQL is upgraded on purpose."""
        return self.is_sqlite if self.auto_upgrade is None else self.auto_upgrade


class FaqSettings(Section):
    dir: Path = SAMPLE_FAQ_DIR
    data_dir: Path = SAMPLE_DATA_DIR
    # None = the thresholds measured on the evaluation set (knowledge.matching defaults).
    answer_threshold: float | None = Field(default=None, ge=0, le=1)
    suggest_threshold: float | None = Field(default=None, ge=0, le=1)
    live_reload: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> FaqSettings:
        answer, suggest = self.answer_threshold, self.suggest_threshold
        if answer is not None and suggest is not None and suggest > answer:
            raise ValueError("suggest_threshold must not be above answer_threshold")
        return self


class ComplaintSettings(Section):
    dir: Path = SAMPLE_COMPLAINTS_DIR


class LanguageSettings(Section):
    supported: tuple[str, ...] = SUPPORTED_LANGUAGES
    fallback: str = "en"

    @field_validator("supported")
    @classmethod
    def _only_known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [code for code in value if code not in SUPPORTED_LANGUAGES]
        if unknown:
            raise ValueError(
                f"unsupported language code(s) {unknown}; known: {' '.join(SUPPORTED_LANGUAGES)}"
            )
        if not value:
            raise ValueError("at least one language is needed")
        return value

    @model_validator(mode="after")
    def _fallback_supported(self) -> LanguageSettings:
        if self.fallback not in self.supported:
            raise ValueError(f"fallback {self.fallback!r} is not in supported")
        return self


class TelegramSettings(Section):
    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    listen: Listen = "127.0.0.1:8081"
    flood_messages: int = Field(default=20, ge=1)
    flood_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _webhook_complete(self) -> TelegramSettings:
        if self.mode == "webhook" and self.token is not None:
            if not self.webhook_url:
                raise ValueError("mode 'webhook' needs webhook_url")
            if self.webhook_secret is None:
                raise ValueError("mode 'webhook' needs webhook_secret")
        if self.webhook_secret is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", self.webhook_secret.get_secret_value()
        ):
            raise ValueError("webhook_secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return self


class SlackChannels(Section):
    default: str | None = None
    P1: str | None = None
    P2: str | None = None
    P3: str | None = None
    escalation: str | None = None
    admin: str | None = None
    by_language: dict[str, str] = Field(default_factory=dict)

    @field_validator("by_language")
    @classmethod
    def _languages(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = [code for code in value if code not in SUPPORTED_LANGUAGES]
        if unknown:
            raise ValueError(f"unsupported language code(s) {unknown}")
        return value


class SlackSettings(Section):
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    api_base_url: str = "https://slack.com/api/"
    mode: Literal["http", "socket"] = "http"
    listen: Listen = "127.0.0.1:3000"
    agent_group: str | None = None
    oncall: str | None = None
    relay: Literal["relay_by_default", "internal_by_default"] = "relay_by_default"
    note_marker: str = "!note"
    send_marker: str = "!send"
    channels: SlackChannels = SlackChannels()

    @model_validator(mode="after")
    def _tokens_for_mode(self) -> SlackSettings:
        if self.bot_token is None:
            return self
        if self.mode == "socket" and self.app_token is None:
            raise ValueError("mode 'socket' needs app_token")
        if self.mode == "http" and self.signing_secret is None:
            raise ValueError("mode 'http' needs signing_secret")
        return self

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None


class SlaTarget(Section):
    # None = the priority's default target (escalation.priority.DEFAULT_FIRST_RESPONSE).
    first_response: Duration | None = None
    # None = the same as first_response.
    next_response: Duration | None = None
    reminders: tuple[float, ...] = (0.5, 0.8)
    business_hours: bool = False
    raise_priority_on_breach: bool = False
    release_claim_on_breach: bool = False

    @field_validator("first_response", "next_response")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be a positive duration such as '1h' or '30m'")
        return value

    @field_validator("reminders")
    @classmethod
    def _fractions(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < point < 1 for point in value):
            raise ValueError("reminder points are fractions of the target, between 0 and 1 (e.g. 0.5)")
        return tuple(sorted(value))

    def first_response_for(self, priority: Priority) -> timedelta:
        return self.first_response or DEFAULT_FIRST_RESPONSE[priority]

    def next_response_for(self, priority: Priority) -> timedelta:
        return self.next_response or self.first_response_for(priority)


class SlaTiers(Section):
    P1: SlaTarget = SlaTarget()
    P2: SlaTarget = SlaTarget()
    P3: SlaTarget = SlaTarget()

    def target(self, priority: Priority) -> SlaTarget:
        target: SlaTarget = getattr(self, priority.value)
        return target


class SlaSettings(SlaTiers):
    # Optional stricter targets for VIP buyers; a priority left out uses the standard target.
    vip: dict[Priority, SlaTarget] = Field(default_factory=dict)


class VipSettings(Section):
    yearly_spend: float = Field(default=500.0, ge=0)
    currency: str = "USD"
    repeat_orders: int = Field(default=4, ge=1)
    raise_priority: bool = True


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _office_week() -> dict[Weekday, tuple[str, ...]]:
    workdays: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    return dict.fromkeys(workdays, ("09:00-18:00",))


class BusinessHoursSettings(Section):
    timezone: str = "UTC"
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    days: dict[Weekday, tuple[str, ...]] = Field(default_factory=_office_week)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415 - only needed here

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like 'Europe/Berlin')") from exc
        return value

    @field_validator("days")
    @classmethod
    def _periods(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for day, periods in value.items():
            for period in periods:
                match = _PERIOD.match(period)
                if not match:
                    raise ValueError(f"{day}: period {period!r} must look like '09:00-12:00'")
                start = int(match.group(1)) * 60 + int(match.group(2))
                end = int(match.group(3)) * 60 + int(match.group(4))
                if not 0 <= start < end <= 24 * 60:
                    raise ValueError(f"{day}: period {period!r} must end after it starts, within one day")
        return value


class TicketSettings(Section):
    reopen_window: Duration = timedelta(days=3)
    transcript_messages: int = Field(default=10, ge=0, le=50)


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


_toml_file: ContextVar[Path | None] = ContextVar("borderdesk_toml_file", default=None)


class Settings(BaseSettings):
    """Everything BorderDesk can be told, validated before anything starts."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    database: DatabaseSettings = DatabaseSettings()
    faq: FaqSettings = FaqSettings()
    complaints: ComplaintSettings = ComplaintSettings()
    languages: LanguageSettings = LanguageSettings()
    telegram: TelegramSettings = TelegramSettings()
    slack: SlackSettings = SlackSettings()
    sla: SlaSettings = SlaSettings()
    vip: VipSettings = VipSettings()
    business_hours: BusinessHoursSettings = BusinessHoursSettings()
    tickets: TicketSettings = TicketSettings()
    logging: LoggingSettings = LoggingSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_file = _toml_file.get()
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and every bad key."""


def find_config_file(explicit: Path | None, environ: dict[str, str] | None = None) -> Path | None:
    """`--config`, then $BORDERDESK_CONFIG, then ./config.toml; None means built-in defaults."""
    env = os.environ if environ is None else environ
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file not found (given with --config)")
        return explicit
    if named := env.get(CONFIG_ENV_VAR):
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found (named by ${CONFIG_ENV_VAR})")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def load_settings(explicit: Path | None = None) -> tuple[Settings, Path | None]:
    """Find, read and validate the configuration; raises ConfigError with every problem listed."""
    path = find_config_file(explicit)
    origin = str(path) if path is not None else "built-in defaults"
    if path is not None:
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config file: {exc}") from exc
    token = _toml_file.set(path)
    try:
        return Settings(), path
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, origin)) from None
    finally:
        _toml_file.reset(token)


def format_validation_error(exc: ValidationError, origin: str) -> str:
    """One line per problem: where it came from, the dotted key, what is wrong — never the value."""
    lines = [f"{origin}: invalid configuration ({exc.error_count()} problem(s)):"]
    for error in exc.errors(include_input=False, include_url=False):
        location = [str(part) for part in error["loc"] if not str(part).startswith("function-")]
        key = ".".join(location) or "(top level)"
        env_name = ENV_PREFIX + "__".join(part.upper() for part in location)
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        else:
            message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {message} (set in {origin} or ${env_name})")
    return "\n".join(lines)
