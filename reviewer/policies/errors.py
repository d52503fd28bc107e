"""The one error custom policies raise: a configuration error that names the file and the line."""

from __future__ import annotations

import re

from reviewer.engine.errors import ConfigError

# The engine's messages start with "--> file:line:col"; with RUST_BACKTRACE set they end in a stack dump.
_LOCATION = re.compile(r"-->\s*(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+)")


class PolicyError(ConfigError):
    """A policy that cannot be loaded or evaluated; the message names the file and line where known."""


def engine_message(exc: BaseException) -> str:
    """The Rego engine's error as one readable line: `file:line:col: reason`."""
    text = str(exc).split("Stack backtrace:", 1)[0].strip()
    location = _LOCATION.search(text)
    reason = next(
        (line.split("error:", 1)[1].strip() for line in text.splitlines() if "error:" in line),
        text.splitlines()[-1].strip() if text else type(exc).__name__,
    )
    if location is None:
        return reason
    return f"{location['file'].strip()}:{location['line']}:{location['col']}: {reason}"
