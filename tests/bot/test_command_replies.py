"""A slash command's reply always fits in one Slack message (bot.commands.fit_reply)."""

from __future__ import annotations

from bot.commands import REPLY_LIMIT, fit_reply


def test_a_reply_that_fits_is_left_as_it_is() -> None:
    reply = "*Audit of `ft-1`*\n" + "\n".join(f"line {n}" for n in range(100))
    assert fit_reply(reply) == reply


def test_a_long_reply_keeps_whole_lines_and_says_how_many_were_left_out() -> None:
    lines = [f"2026-12-06 10:{n % 60:02d} action.retryable by worker · error: Jira said 503 ({n})" for n in range(900)]
    fitted = fit_reply("\n".join(lines))
    assert len(fitted) <= REPLY_LIMIT
    kept = fitted.split("\n")[:-1]
    assert kept == lines[: len(kept)], "whole lines, in order"
    assert fitted.endswith(f"… and {900 - len(kept)} more line(s), too long for one Slack message.")


def test_one_line_longer_than_a_message_is_cut() -> None:
    fitted = fit_reply("x" * 50_000)
    assert len(fitted) <= REPLY_LIMIT and fitted.endswith("…")
