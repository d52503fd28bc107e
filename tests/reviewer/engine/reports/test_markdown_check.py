"""The checker itself sees what a renderer makes active (else the property tests would prove nothing)."""

from __future__ import annotations

import pytest

from tests.reviewer.engine.reports.markdown_check import active_parts


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "![x](https://evil.example/p.png)",
        "[x][r]\n\n[r]: https://evil.example",
        "![x][r]\n\n[r]: data:image/png;base64,AAAA",
        "[r]\n\n[r]: file:///etc/passwd",
        "<http://evil.example>",
        "see www.evil.com now",
        "see evil.com now",
        "mail me@evil.com",
        "ip 10.0.0.1 now",
        "<img src=x onerror=alert(1)>",
        "<!-- hidden -->",
        "<script>alert(1)</script>",
        "x <b>bold</b>",
    ],
)
def test_the_checker_sees_active_markdown(text: str) -> None:
    assert active_parts(text), text


def test_the_checker_allows_plain_markdown_and_our_layout() -> None:
    text = "## Title\n\n**bold** `code` | a |\n\n<details><summary>3 more</summary>\n\n</details>\n\n<sub>x</sub>\n"
    assert active_parts(text) == []
