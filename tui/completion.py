"""Shell completion scripts for bash, zsh and fish, generated from the argument parser.

They complete the subcommands, every option (the global ones before or after the command,
each subcommand's own after it), the values of options with fixed choices, profile names
(from the config file, when the script is made) and theme names, and directories or files
where an option takes a path. Only names made of letters, digits and ``_ . : + -`` are
written into a script: nothing in one can be read as shell syntax.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_SAFE = re.compile(r"[A-Za-z0-9_.:+-]+")
_PATH_OPTIONS = {"--cache-dir": "dir", "--log-file": "file"}


@dataclass
class _Command:
    name: str
    help: str
    options: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    """Values of its positional arguments with fixed choices ('info', 'clear')."""


@dataclass
class _Spec:
    globals: list[str]
    commands: list[_Command]
    values: dict[str, list[str]]
    """Option → the values it completes (choices, profiles, themes)."""
    takes_value: list[str]
    """Options followed by a value (nothing else is completed after them)."""
    paths: dict[str, str]


def _safe(words: Sequence[str]) -> list[str]:
    return [w for w in words if _SAFE.fullmatch(w)]


def _help_text(text: str | None) -> str:
    """A description fit for any of the three shells' quoting: one line, no quotes."""
    flat = " ".join((text or "").split())
    return re.sub(r"[^A-Za-z0-9 ,.;:()/+=_-]", "", flat)[:70]


def subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The parser's subcommands (its one subparsers action)."""
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _spec(parser: argparse.ArgumentParser, profiles: Sequence[str], themes: Sequence[str]) -> _Spec:
    values: dict[str, list[str]] = {"--profile": _safe(profiles), "--theme": _safe(themes)}
    takes_value: list[str] = []
    globals_: list[str] = []

    def note(action: argparse.Action) -> None:
        for name in action.option_strings:
            if action.nargs != 0 and name not in takes_value:
                takes_value.append(name)
            if action.choices is not None and name not in values:
                values[name] = _safe([str(c) for c in action.choices])

    for action in parser._actions:
        if action.option_strings and not isinstance(action, argparse._SubParsersAction):
            globals_.extend(n for n in action.option_strings if n.startswith("--"))
            note(action)
    sub = subcommands(parser)
    helps = {a.dest: a.help for a in sub._choices_actions}
    commands = []
    for name, command in sub.choices.items():
        entry = _Command(name, _help_text(helps.get(name)))
        for action in command._actions:
            if action.help == argparse.SUPPRESS and action.option_strings:
                continue  # a global option: completed everywhere already
            if action.option_strings:
                entry.options.extend(
                    n for n in action.option_strings if n.startswith("--") and n not in globals_
                )
                note(action)
            elif action.choices is not None:
                entry.words.extend(_safe([str(c) for c in action.choices]))
        commands.append(entry)
    return _Spec(globals_, commands, values, takes_value, dict(_PATH_OPTIONS))


def completion_script(
    shell: str, parser: argparse.ArgumentParser, *, profiles: Sequence[str] = (), themes: Sequence[str] = ()
) -> str:
    """The completion script for ``shell`` ('bash', 'zsh' or 'fish')."""
    spec = _spec(parser, profiles, themes)
    prog = parser.prog
    if shell == "bash":
        return _bash(prog, spec)
    if shell == "zsh":
        return _zsh(prog, spec)
    if shell == "fish":
        return _fish(prog, spec)
    raise ValueError(f"no completion for {shell!r}: bash, zsh or fish")


def _words(words: Iterable[str]) -> str:
    return " ".join(words)


def _bash(prog: str, spec: _Spec) -> str:
    fn = f"_{prog.replace('-', '_')}"
    names = "|".join(c.name for c in spec.commands)
    lines = [
        f"# {prog} completion for bash. Load it with:",
        f'#   eval "$({prog} completion bash)"',
        f"# or save it as ~/.local/share/bash-completion/completions/{prog}",
        f"{fn}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmd="" i',
        '    (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case "${COMP_WORDS[i]}" in',
        f'            {names}) cmd="${{COMP_WORDS[i]}}"; break ;;',
        "        esac",
        "    done",
        '    case "$prev" in',
    ]
    for option, kind in spec.paths.items():
        flag = "-d" if kind == "dir" else "-f"
        lines.append(f'        {option}) COMPREPLY=($(compgen {flag} -- "$cur")); return ;;')
    for option, values in spec.values.items():
        if option in spec.paths:
            continue
        lines.append(f'        {option}) COMPREPLY=($(compgen -W "{_words(values)}" -- "$cur")); return ;;')
    rest = [o for o in spec.takes_value if o not in spec.values and o not in spec.paths]
    if rest:
        lines.append(f"        {'|'.join(rest)}) COMPREPLY=(); return ;;")
    lines += [
        "    esac",
        f'    local opts="{_words(spec.globals)}" words=""',
        '    case "$cmd" in',
    ]
    for command in spec.commands:
        own, words = _words(command.options), _words(command.words)
        lines.append(f'        {command.name}) opts="$opts {own}"; words="{words}" ;;')
    lines += [
        "    esac",
        '    if [[ "$cur" == -* ]]; then',
        '        COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
        '    elif [[ -z "$cmd" ]]; then',
        f'        COMPREPLY=($(compgen -W "{_words(c.name for c in spec.commands)}" -- "$cur"))',
        "    else",
        '        COMPREPLY=($(compgen -W "$words" -- "$cur"))',
        "    fi",
        "}",
        f"complete -F {fn} {prog}",
        "",
    ]
    return "\n".join(lines)


def _zsh(prog: str, spec: _Spec) -> str:
    fn = f"_{prog.replace('-', '_')}"
    names = "|".join(c.name for c in spec.commands)
    lines = [
        f"#compdef {prog}",
        f"# {prog} completion for zsh. Load it with:",
        f"#   source <({prog} completion zsh)",
        f"# or save it as _{prog} in a directory of $fpath (before compinit runs)",
        f"{fn}() {{",
        '    local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" cmd="" i',
        "    for ((i = 2; i < CURRENT; i++)); do",
        '        case "${words[i]}" in',
        f'            ({names}) cmd="${{words[i]}}"; break ;;',
        "        esac",
        "    done",
        '    case "$prev" in',
    ]
    for option, kind in spec.paths.items():
        lines.append(f"        ({option}) _files{' -/' if kind == 'dir' else ''}; return ;;")
    for option, values in spec.values.items():
        if option in spec.paths:
            continue
        lines.append(f"        ({option}) compadd -- {_words(values)}; return ;;")
    rest = [o for o in spec.takes_value if o not in spec.values and o not in spec.paths]
    if rest:
        lines.append(f"        ({'|'.join(rest)}) return ;;")
    lines += [
        "    esac",
        f"    local -a opts=({_words(spec.globals)}) choices=()",
        '    case "$cmd" in',
    ]
    for command in spec.commands:
        own, words = _words(command.options), _words(command.words)
        lines.append(f"        ({command.name}) opts+=({own}); choices=({words}) ;;")
    lines += [
        "    esac",
        '    if [[ "$cur" == -* ]]; then',
        "        compadd -- $opts",
        '    elif [[ -z "$cmd" ]]; then',
        "        local -a commands=(",
    ]
    for command in spec.commands:
        lines.append(f"            '{command.name}:{command.help}'")
    lines += [
        "        )",
        "        _describe command commands",
        "    else",
        "        compadd -- $choices",
        "    fi",
        "}",
        f'if [[ "$funcstack[1]" == "{fn}" ]]; then',
        f'    {fn} "$@"',
        "else",
        f"    compdef {fn} {prog}",
        "fi",
        "",
    ]
    return "\n".join(lines)


def _fish(prog: str, spec: _Spec) -> str:
    names = " ".join(c.name for c in spec.commands)
    lines = [
        f"# {prog} completion for fish. Load it with:",
        f"#   {prog} completion fish | source",
        f"# or save it as ~/.config/fish/completions/{prog}.fish",
        f"complete -c {prog} -f",
    ]
    first = f"not __fish_seen_subcommand_from {names}"
    for command in spec.commands:
        lines.append(f"complete -c {prog} -n '{first}' -a {command.name} -d '{command.help}'")

    def option(name: str, condition: str | None) -> str:
        long = name.removeprefix("--")
        parts = [f"complete -c {prog}"]
        if condition:
            parts.append(f"-n '{condition}'")
        parts.append(f"-l {long}")
        if name in spec.paths:
            parts.append("-r -F" if spec.paths[name] == "file" else "-r -a '(__fish_complete_directories)'")
        elif name in spec.values:
            parts.append(f"-x -a '{_words(spec.values[name])}'")
        elif name in spec.takes_value:
            parts.append("-x")
        return " ".join(parts)

    for name in spec.globals:
        lines.append(option(name, None))
    for command in spec.commands:
        condition = f"__fish_seen_subcommand_from {command.name}"
        lines.extend(option(name, condition) for name in command.options if name not in spec.globals)
        if command.words:
            lines.append(f"complete -c {prog} -n '{condition}' -a '{_words(command.words)}'")
    lines.append("")
    return "\n".join(lines)
