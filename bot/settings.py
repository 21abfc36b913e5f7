"""All configuration, read once from the environment and `.env` (pydantic-settings).

Names follow the conventions of each ecosystem (OPENAI_*, TELEGRAM_*, CHROMA_*) and our own
REDMUD_* prefix for the rest. Secrets are SecretStr so they never show up in a repr or a log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # --- knowledge base -------------------------------------------------------------------
    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("redmud")), validation_alias=_env("REDMUD_DATA_DIR")
    )
    corpus_dir: Path | None = Field(default=None, validation_alias=_env("REDMUD_CORPUS_DIR"))
    chroma_host: str | None = Field(default=None, validation_alias=_env("CHROMA_HOST"))
    chroma_port: int = Field(default=8000, validation_alias=_env("CHROMA_PORT"))

    # --- answering ------------------------------------------------------------------------
    top_k: int = Field(default=6, ge=1, le=6, validation_alias=_env("REDMUD_TOP_K"))
    max_question_chars: int = Field(default=500, ge=20, validation_alias=_env("REDMUD_MAX_QUESTION_CHARS"))
    log_level: str = Field(default="WARNING", validation_alias=_env("REDMUD_LOG_LEVEL"))
    # OpenMP threads per e5 call (calls run one at a time); empty: every core, up to four
    encoder_threads: int | None = Field(default=None, ge=1, le=64, validation_alias=_env("REDMUD_ENCODER_THREADS"))

    # --- optional LLM (any OpenAI-compatible endpoint) -------------------------------------
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=_env("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=_env("OPENAI_BASE_URL"))
    llm_model: str = Field(default="gpt-4o-mini", validation_alias=_env("REDMUD_LLM_MODEL"))
    llm_timeout_s: float = Field(default=20.0, gt=0, validation_alias=_env("REDMUD_LLM_TIMEOUT_S"))
    llm_enabled: bool | None = Field(default=None, validation_alias=_env("REDMUD_LLM"))
    # 0 for repeatable answers; empty for models that accept no temperature (some reasoning models)
    llm_temperature: float | None = Field(default=0.0, validation_alias=_env("REDMUD_LLM_TEMPERATURE"))
    llm_breaker_failures: int = Field(default=3, ge=1, validation_alias=_env("REDMUD_LLM_BREAKER_FAILURES"))
    llm_breaker_cooldown_s: float = Field(default=60.0, ge=0, validation_alias=_env("REDMUD_LLM_BREAKER_COOLDOWN_S"))

    # --- Telegram -------------------------------------------------------------------------
    telegram_bot_token: SecretStr | None = Field(default=None, validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", validation_alias=_env("TELEGRAM_API_BASE_URL")
    )
    telegram_file_base_url: str | None = Field(default=None, validation_alias=_env("TELEGRAM_FILE_BASE_URL"))
    webhook_url: str | None = Field(default=None, validation_alias=_env("REDMUD_WEBHOOK_URL"))
    webhook_listen: str = Field(default="127.0.0.1", validation_alias=_env("REDMUD_WEBHOOK_LISTEN"))
    webhook_port: int = Field(default=8443, validation_alias=_env("REDMUD_WEBHOOK_PORT"))
    webhook_secret: SecretStr | None = Field(default=None, validation_alias=_env("REDMUD_WEBHOOK_SECRET"))
    allowed_chats: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias=_env("REDMUD_ALLOWED_CHATS")
    )
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list, validation_alias=_env("REDMUD_ADMIN_IDS"))
    user_rate_per_minute: int = Field(default=10, ge=1, validation_alias=_env("REDMUD_USER_RATE_PER_MINUTE"))
    max_upload_mb: float = Field(default=20.0, gt=0, validation_alias=_env("REDMUD_MAX_UPLOAD_MB"))
    # how long to wait for Telegram to confirm a request (PTB's read timeout)
    telegram_timeout_s: float = Field(default=10.0, gt=0, validation_alias=_env("REDMUD_TELEGRAM_TIMEOUT_S"))
    # questions a whole group may ask per minute (besides each member's own limit)
    group_rate_per_minute: int = Field(default=40, ge=1, validation_alias=_env("REDMUD_GROUP_RATE_PER_MINUTE"))
    # feedback, declined / "not specified" records and remembered answers are deleted after this
    retention_days: float = Field(default=180.0, gt=0, validation_alias=_env("REDMUD_RETENTION_DAYS"))
    # the largest webhook request body accepted (Telegram's updates are a few KB)
    webhook_max_body_bytes: int = Field(default=1_000_000, ge=1024, validation_alias=_env("REDMUD_WEBHOOK_MAX_BODY_BYTES"))

    # --- what one added document may expand to (the upload limit bounds only its compressed bytes)
    ingest_max_text_chars: int = Field(default=2_000_000, ge=1000, validation_alias=_env("REDMUD_INGEST_MAX_TEXT_CHARS"))
    ingest_max_paragraphs: int = Field(default=50_000, ge=10, validation_alias=_env("REDMUD_INGEST_MAX_PARAGRAPHS"))
    ingest_max_html_depth: int = Field(default=256, ge=8, validation_alias=_env("REDMUD_INGEST_MAX_HTML_DEPTH"))
    ingest_max_unzipped_mb: float = Field(default=40.0, gt=0, validation_alias=_env("REDMUD_INGEST_MAX_UNZIPPED_MB"))

    @field_validator("llm_temperature", "encoder_threads", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        """A misspelt level (``verbose``) would silently log at INFO: refuse it and name the choices."""
        if isinstance(value, str):
            level = value.strip().upper()
            if level not in LOG_LEVELS:
                raise ValueError(f"must be one of {', '.join(LOG_LEVELS)} (any case)")
            return level
        return value

    @field_validator("allowed_chats", "admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [v for v in value.replace(";", ",").replace(" ", ",").split(",") if v.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be numeric ids separated by commas")
            return [int(v) for v in parts]
        return value

    @property
    def llm_configured(self) -> bool:
        """The LLM is used when a key is set, unless REDMUD_LLM=false turns it off."""
        if self.llm_enabled is False:
            return False
        return self.openai_api_key is not None and bool(self.openai_api_key.get_secret_value())

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def describe_errors(exc: ValidationError) -> list[str]:
    """One readable line per bad setting, named as it is set (``REDMUD_TOP_K='many': …``),
    instead of pydantic's multi-line dump with type codes and URLs. Secret values are not echoed."""
    lines = []
    for err in exc.errors():
        name = ".".join(str(part) for part in err.get("loc", ())) or "settings"
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        value = err.get("input")
        secret = any(word in name.upper() for word in ("KEY", "TOKEN", "SECRET"))
        if isinstance(value, str | int | float) and not secret:
            text = str(value)
            name = f"{name}={text[:40] + '…' if len(text) > 40 else text!r}"
        lines.append(f"{name}: {message}")
    return lines
