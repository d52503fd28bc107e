"""Reading a `.tfreview.toml`: TOML, then the pydantic schema in config_file (imported only when a file is read)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reviewer.engine.config import CONFIG_FILE_NAME, ReviewConfig
from reviewer.engine.errors import ConfigError


def parse_config(text: str, source: str = CONFIG_FILE_NAME) -> ReviewConfig:
    """Parse TOML text into a ReviewConfig; raises ConfigError with the reason."""
    import tomllib  # only when there is a file: `tfreview review` starts faster without it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    # Validation uses pydantic, imported only when there is a file to check (the CLI starts faster).
    from reviewer.engine.config_file import validate_config

    return validate_config(data, source)


def load_config(path: str | Path) -> ReviewConfig:
    """Read and validate a `.tfreview.toml` file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read config file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: config file is not UTF-8 text") from None
    config = parse_config(text, str(file))
    if not config.policies.paths:
        return config
    # Policy paths are relative to the file that names them, wherever the command runs.
    paths = [str(file.parent / path) for path in config.policies.paths]
    return replace(config, policies=replace(config.policies, paths=paths))
