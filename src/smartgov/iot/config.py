"""Settings of 物联感知 from ``SMARTGOV_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from pydantic_settings import BaseSettings, SettingsConfigDict


class IotSettings(BaseSettings):
    """MQTT broker, topics, ingest batching and telemetry retention."""

    model_config = SettingsConfigDict(env_prefix="SMARTGOV_", extra="ignore")

    mqtt_url: str = "mqtt://127.0.0.1:1883"
    mqtt_topic_root: str = "smartgov"
    mqtt_share_group: str = "smartgov-ingest"  # MQTT v5 shared subscription group ($share/…)
    mqtt_client_id: str = ""  # default: smartgov-ingest-<host>; keep it stable for a persistent session
    mqtt_session_expiry_s: int = 3600
    # `smartgov serve` sets this: start the ingest consumer in-process when a broker answers
    iot_ingest_inprocess: bool = False
    ingest_batch_size: int = 5000
    ingest_batch_ms: int = 100
    telemetry_retention_days: int = 400  # 遥测明细保留天数 (hourly roll-ups are kept)

    @property
    def broker(self) -> tuple[str, int]:
        parts = urlsplit(self.mqtt_url)
        return parts.hostname or "127.0.0.1", parts.port or 1883

    @property
    def device_topic(self) -> str:
        """One topic per device: ``smartgov/devices/<code>/telemetry``."""
        return f"{self.mqtt_topic_root}/devices/+/telemetry"

    @property
    def gateway_topic(self) -> str:
        """A gateway's topic carrying many devices (ThingsBoard gateway API format)."""
        return f"{self.mqtt_topic_root}/gateway/telemetry"


@lru_cache
def iot_settings() -> IotSettings:
    return IotSettings()


def reset_iot_settings() -> None:
    iot_settings.cache_clear()
