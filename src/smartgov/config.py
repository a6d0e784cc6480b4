"""Settings from ``SMARTGOV_*`` environment variables (配置)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_var_dir() -> Path:
    return Path.cwd() / "var"


class Settings(BaseSettings):
    """Everything a deployment may change without touching code."""

    model_config = SettingsConfigDict(env_prefix="SMARTGOV_", extra="ignore")

    var_dir: Path = Field(default_factory=_default_var_dir)
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""
    timezone: str = "Asia/Shanghai"
    language: str = "zh-CN"
    # Working hours as "HH:MM-HH:MM" ranges separated by commas (工作时间).
    work_hours: str = "08:30-12:00,13:30-17:30"
    # Security baseline (等保 2.0).
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    idle_timeout_minutes: int = 30
    password_min_length: int = 8
    # SMS codes (短信验证码): lifetime, wrong tries allowed, and how often one phone may ask.
    sms_code_minutes: int = 10
    sms_code_attempts: int = 5
    sms_code_interval_s: int = 60
    sms_code_per_hour: int = 5
    # Activation / password-reset codes of administrator accounts (三权分立), sent to the owner.
    activation_code_hours: int = 24
    secure_cookies: bool = False
    # Geography: a point outside every grid snaps to the nearest one within this distance.
    grid_fallback_m: float = 200.0
    # Case stage clocks: warning levels at these fractions of the limit (预警), overdue at 1.0.
    sla_warning_fractions: str = "0.6,0.8"
    default_handle_limit: str = "5wd"
    callback_limit: str = "1wd"
    # Duplicates (并单): same category within this radius and time window, or near-identical text.
    duplicate_radius_m: float = 50.0
    duplicate_window_hours: float = 72.0
    # Learned dispatch: above this confidence a free-text request is dispatched automatically.
    auto_dispatch_confidence: float = 0.9
    # Uploads.
    max_upload_mb: int = 10
    # Request size limits (请求大小限制), 413 above them: JSON and other bodies, plain forms, and
    # multipart uploads (max_upload_files photos of max_upload_mb each, plus a form's fields).
    max_json_kb: int = 1024
    max_form_kb: int = 1024
    max_upload_files: int = 5
    # Outbox sender (发送通道): "module:Class" for every channel, or "sms=module:Class,email=…".
    inbox_sender: str = "smartgov.inbox.senders:LoggingSender"
    # Map tiles; empty = draw grids on a blank canvas (offline intranet).
    map_tile_url: str = ""
    # Background jobs (后台任务, smartgov.jobs). Inline: run a session's jobs right after its commit.
    jobs_inline: bool = False
    # `smartgov serve` runs jobs in-process (SQLite runner / PostgreSQL worker thread); off = workers do.
    inprocess_worker: bool = True
    jobs_poll_interval_s: float = 2.0
    jobs_retry_base_s: int = 2  # back-off before retry n is base**n seconds (2, 4, 8 …)
    jobs_heartbeat_s: float = 10.0
    jobs_stalled_after_s: float = 30.0  # a worker silent this long has its jobs put back
    jobs_stalled_cron: str = "* * * * *"
    job_modules: str = ""  # extra task modules, comma-separated, besides domains.JOB_MODULES

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'smartgov.db').as_posix()}"

    @property
    def uploads_dir(self) -> Path:
        return self.var_dir / "uploads"

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "models"

    def ensure_dirs(self) -> None:
        for path in (self.var_dir, self.uploads_dir, self.models_dir):
            path.mkdir(parents=True, exist_ok=True)

    def effective_secret_key(self) -> str:
        """The cookie-signing key; generated once and kept under var/ when not configured."""
        if self.secret_key:
            return self.secret_key
        self.ensure_dirs()
        key_file = self.var_dir / "secret.key"
        if not key_file.exists():
            import secrets

            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
