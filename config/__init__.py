"""rigcast's typed configuration: TOML in (tomllib), validated dataclasses, TOML out (tomli-w)."""

from __future__ import annotations

from rigcast.config.loader import (
    ConfigError,
    load_config,
    parse_config,
    to_toml,
    validate_push_url,
    validate_record_path,
)
from rigcast.config.model import OutputConfig, RigcastConfig, Size, SourceConfig, VideoConfig

__all__ = [
    "ConfigError",
    "OutputConfig",
    "RigcastConfig",
    "Size",
    "SourceConfig",
    "VideoConfig",
    "load_config",
    "parse_config",
    "to_toml",
    "validate_push_url",
    "validate_record_path",
]
