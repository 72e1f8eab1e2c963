"""Settings read from the environment, and from a `.env` file in the working directory: the one
rule every part's settings follow (the core's in `app/settings.py`, each channel's in its
folder)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["EnvironmentSettings"]


class EnvironmentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)
