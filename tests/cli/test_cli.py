"""The `adapters` command as a whole: help, and bad arguments for every subcommand."""

from __future__ import annotations

import pytest

from .command import adapters


def test_help_for_every_command() -> None:
    top = adapters("--help")
    assert top.returncode == 0
    for command in ("invoke", "event", "serve", "browser"):
        assert command in top.stdout
        result = adapters(command, "--help")
        assert result.returncode == 0 and "usage: adapters" in result.stdout, command


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "the following arguments are required: COMMAND"),
        (("frobnicate",), "invalid choice"),
        (("event", "smtp"), "invalid choice"),
        (("event", "rest", "-H", "no colon"), "header 'no colon' must look like NAME:VALUE"),
        (("event", "rest", "-q", "novalue"), "must look like NAME=VALUE"),
        (("event", "rest", "--body-file", "/nonexistent"), "cannot read body file"),
        (("invoke", "nomodule:handler", "-e", "-"), "no module named 'nomodule'"),
        (("invoke", "wsgi_handler", "-e", "-"), "is not MODULE:NAME"),
        (("serve", "/nonexistent.yaml"), "no template at /nonexistent.yaml"),
        (("browser", "serve", "/tmp"), "is not a bundle"),
    ],
)
def test_bad_arguments_give_one_clear_line_and_a_nonzero_exit(
    args: tuple[str, ...], message: str
) -> None:
    result = adapters(*args, stdin="{}")
    assert result.returncode == 2, result
    assert message in result.stderr
    assert "Traceback" not in result.stderr
