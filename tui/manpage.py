"""The manual page (roff, section 1), built from the argument parser.

``roomscope man`` prints it; the wheel ships a copy (``tui/roomscope.1``, package data), which
``make man`` writes again after the parser changes (a test checks the two agree).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from roomscope.tui.completion import subcommands


def _roff(text: str) -> str:
    """Plain text as roff: backslashes and hyphens escaped, no line starting a request."""
    escaped = text.replace("\\", "\\e").replace("-", "\\-")
    lines = [("\\&" + line) if line.startswith((".", "'")) else line for line in escaped.splitlines()]
    return "\n".join(lines)


def _help(action: argparse.Action) -> str:
    text = action.help or ""
    if "%(" in text:
        text = text % {"default": action.default, "prog": "roomscope"}
    if action.choices is not None and action.option_strings and action.metavar is not None:
        text = f"{text} (one of: {', '.join(str(c) for c in action.choices)})".strip()
    return text


def _option(action: argparse.Action) -> list[str]:
    if action.option_strings:
        names = ", ".join(f"\\fB{_roff(n)}\\fR" for n in action.option_strings)
        if action.nargs != 0:
            value = action.metavar or (
                "{" + ",".join(str(c) for c in action.choices) + "}"
                if action.choices
                else action.dest.upper()
            )
            names += f" \\fI{_roff(str(value))}\\fR"
    else:
        value = action.metavar or (
            "{" + ",".join(str(c) for c in action.choices) + "}" if action.choices else action.dest
        )
        names = f"\\fI{_roff(str(value))}\\fR"
    return [".TP", names, _roff(_help(action)) or "\\&"]


def _usage(parser: argparse.ArgumentParser) -> str:
    usage = " ".join(parser.format_usage().split())
    return usage.removeprefix("usage: ")


def manpage(parser: argparse.ArgumentParser, version: str, exit_codes: Mapping[int, str]) -> str:
    """The page for ``parser`` (the ``roomscope`` parser: global options, then each command)."""
    prog = parser.prog
    out = [
        f'.TH {prog.upper()} 1 "" "{prog} {_roff(version)}" "User Commands"',
        ".SH NAME",
        f"{prog} \\- {_roff(parser.description or '')}",
        ".SH SYNOPSIS",
        f".B {prog}",
        "[\\fIGLOBAL OPTIONS\\fR]",
        ".br",
        f".B {prog}",
        "\\fICOMMAND\\fR [\\fIARGUMENTS\\fR] [\\fIOPTIONS\\fR] [\\fIGLOBAL OPTIONS\\fR]",
        ".SH DESCRIPTION",
        _roff(
            "Without a command, roomscope opens the terminal interface. With one, it prints data for "
            "scripts: tables by default, or JSON, JSON Lines or CSV. Data goes to standard output, "
            "diagnostics to standard error. Global options may come before or after the command."
        ),
        ".SH GLOBAL OPTIONS",
    ]
    sub = subcommands(parser)
    for action in parser._actions:
        if action.option_strings:
            out.extend(_option(action))
    out.append(".SH COMMANDS")
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    for name, command in sub.choices.items():
        out.append(f'.SS "{prog} {name}"')
        out.append(_roff(helps.get(name, "")))
        out.append(".PP")
        out.append(f"\\fBUsage:\\fR {_roff(_usage(command))}")
        for action in command._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            out.extend(_option(action))
    out.append(".SH EXIT STATUS")
    for code, meaning in exit_codes.items():
        out.extend([".TP", f"\\fB{code}\\fR", _roff(meaning)])
    out += [
        ".SH FILES",
        _roff(
            "The configuration file: roomscope config path prints where it is. "
            "The cache: roomscope cache info."
        ),
        ".SH SEE ALSO",
        _roff(
            "roomscope completion bash|zsh|fish prints a shell completion script; the README has the set-up."
        ),
        "",
    ]
    return "\n".join(out)
