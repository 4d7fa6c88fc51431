"""Command lines judged by what they do, not by how they are spelled.

A "build the command" question accepts one or more commands; a student's
command is right when it means the same as one of them, the way the program
itself reads it:

- flags in any order, ``--flag=value`` or ``--flag value``, short forms
  (``-n kube-system``, ``-owide``, ``-it``);
- kubectl's resource names in any of their forms (``po``, ``pod``, ``pods``) and
  ``TYPE/NAME`` for ``TYPE NAME``;
- a leading ``$ `` prompt or ``sudo``, and ``minikube kubectl --`` for ``kubectl``.

Anything else (another verb, a missing or extra flag, another value) is a
different command, and ``judge`` says which difference, in words a beginner
can act on. Nothing here runs a command.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from engine.i18n import _

MAX_CHARS = 300


class CommandError(ValueError):
    """A command line that cannot be read; the message says why."""


@dataclass(frozen=True)
class Program:
    name: str
    # short flag -> long flag
    short: dict[str, str] = field(default_factory=dict)
    # long flags that take no value
    booleans: frozenset[str] = frozenset()
    # False: flags end at the first word after the subcommand (docker run IMAGE CMD...)
    interspersed: bool = True
    # how many leading words name the subcommand (docker: 1, "run")
    subcommand_words: int = 0
    # other spellings of positional words (kubectl's resource names)
    aliases: dict[str, str] = field(default_factory=dict)


def _aliases(*groups: tuple[str, ...]) -> dict[str, str]:
    return {spelling: group[0] for group in groups for spelling in group}


_KUBECTL_RESOURCES = _aliases(
    ("pods", "pod", "po"), ("deployments", "deployment", "deploy"),
    ("services", "service", "svc"), ("nodes", "node", "no"), ("namespaces", "namespace", "ns"),
    ("replicasets", "replicaset", "rs"), ("configmaps", "configmap", "cm"),
    ("secrets", "secret"), ("persistentvolumeclaims", "persistentvolumeclaim", "pvc"),
    ("persistentvolumes", "persistentvolume", "pv"), ("ingresses", "ingress", "ing"),
    ("endpoints", "endpoint", "ep"), ("events", "event", "ev"), ("daemonsets", "daemonset", "ds"),
    ("statefulsets", "statefulset", "sts"), ("jobs", "job"), ("cronjobs", "cronjob", "cj"),
    ("serviceaccounts", "serviceaccount", "sa"), ("endpointslices", "endpointslice"),
)  # fmt: skip
_CONTAINER_RUN = Program(
    name="docker",
    short={"-d": "--detach", "-p": "--publish", "-i": "--interactive", "-t": "--tty",
           "-e": "--env", "-v": "--volume", "-w": "--workdir", "-u": "--user"},
    booleans=frozenset({"--detach", "--rm", "--interactive", "--tty", "--privileged", "--init"}),
    interspersed=False,
    subcommand_words=1,
)  # fmt: skip
PROGRAMS: dict[str, Program] = {
    "kubectl": Program(
        name="kubectl",
        short={
            "-n": "--namespace",
            "-o": "--output",
            "-A": "--all-namespaces",
            "-l": "--selector",
            "-f": "--filename",
            "-w": "--watch",
            "-c": "--container",
            "-i": "--stdin",
            "-t": "--tty",
            "-k": "--kustomize",
            "-R": "--recursive",
        },
        booleans=frozenset(
            {
                "--all-namespaces",
                "--watch",
                "--show-labels",
                "--stdin",
                "--tty",
                "--rm",
                "--force",
                "--overwrite",
                "--all",
                "--recursive",
                "--no-headers",
                "--raw-output",
            }
        ),
        aliases=_KUBECTL_RESOURCES,
    ),
    "minikube": Program(
        name="minikube",
        short={"-p": "--profile", "-n": "--nodes"},
        booleans=frozenset({"--all", "--purge", "--wait-for-ready"}),
    ),
    "kind": Program(name="kind", short={"-n": "--name"}, booleans=frozenset({"--retain"})),
    "kubeadm": Program(
        name="kubeadm", booleans=frozenset({"--upload-certs", "--dry-run", "--skip-token-print"})
    ),
    "docker": _CONTAINER_RUN,
    "podman": Program(**{**_CONTAINER_RUN.__dict__, "name": "podman"}),
}


@dataclass(frozen=True)
class Command:
    program: str
    words: tuple[str, ...]
    flags: tuple[tuple[str, str | None], ...]  # sorted (long flag, value or None)
    rest: tuple[str, ...] = ()  # after `--`, or a container's command

    def flag_text(self, name: str) -> str:
        values = [v for k, v in self.flags if k == name]
        return " ".join(f"{name}={v}" if v is not None else name for v in values)

    def text(self) -> str:
        parts = [self.program, *self.words, *(self.flag_text(k) for k in dict(self.flags))]
        if self.rest:
            parts += ["--", *self.rest] if self.program == "kubectl" else list(self.rest)
        return " ".join(parts)


def parse(text: str) -> Command:
    """Read a command line; raises ``CommandError`` with what to fix."""
    if len(text) > MAX_CHARS:
        raise CommandError(_("A command has at most {limit} characters.").format(limit=MAX_CHARS))
    line = " ".join(text.strip().splitlines()).strip()
    line = line.removeprefix("$").strip()
    try:
        tokens = shlex.split(line)
    except ValueError:
        raise CommandError(_("A quote is opened and never closed.")) from None
    while tokens and tokens[0] == "sudo":
        tokens = tokens[1:]
    if not tokens:
        raise CommandError(_("Type a command first."))
    name = tokens[0].rsplit("/", 1)[-1]
    if name == "minikube" and tokens[1:3] == ["kubectl", "--"]:
        # `minikube kubectl -- get pods` runs the kubectl that matches the cluster.
        name, tokens = "kubectl", ["kubectl", *tokens[3:]]
    program = PROGRAMS.get(name)
    if program is None:
        known = ", ".join(sorted(PROGRAMS))
        raise CommandError(
            _("`{name}` is not a command this question knows (it knows {known}).").format(
                name=name, known=known
            )
        )
    return _read(program, tokens[1:])


def _read(program: Program, tokens: list[str]) -> Command:
    words: list[str] = []
    flags: list[tuple[str, str | None]] = []
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word == "--":
            rest = tokens[i + 1 :]
            break
        if word.startswith("-") and word != "-":
            consumed = _flag(program, tokens, i, flags)
            i += consumed
            continue
        words.append(word)
        i += 1
        if not program.interspersed and len(words) > program.subcommand_words:
            rest = tokens[i:]
            break
    return Command(
        program=program.name,
        words=tuple(_normalize_words(program, words)),
        flags=tuple(sorted(flags, key=lambda f: (f[0], f[1] or ""))),
        rest=tuple(rest),
    )


def _flag(program: Program, tokens: list[str], i: int, flags: list[tuple[str, str | None]]) -> int:
    """Read the flag at ``tokens[i]`` into ``flags``; return how many tokens it took."""
    token = tokens[i]
    if token.startswith("--"):
        name, eq, value = token.partition("=")
        if eq:
            flags.append((name, value))
            return 1
        if name in program.booleans:
            flags.append((name, None))
            return 1
        if i + 1 < len(tokens) and not tokens[i + 1].startswith("-"):
            flags.append((name, tokens[i + 1]))
            return 2
        flags.append((name, None))
        return 1
    # -n kube-system, -n=kube-system, -owide, -it
    letters = token[1:]
    short = f"-{letters[0]}"
    long = program.short.get(short, short)
    if len(letters) > 1:
        if letters[1] == "=":
            flags.append((long, letters[2:]))
            return 1
        if long in program.booleans:
            for letter in letters:
                single = f"-{letter}"
                flags.append((program.short.get(single, single), None))
            return 1
        flags.append((long, letters[1:]))
        return 1
    if long in program.booleans:
        flags.append((long, None))
        return 1
    if i + 1 < len(tokens) and not tokens[i + 1].startswith("-"):
        flags.append((long, tokens[i + 1]))
        return 2
    flags.append((long, None))
    return 1


def _normalize_words(program: Program, words: list[str]) -> list[str]:
    if program.name != "kubectl":
        return words
    normal: list[str] = []
    for index, word in enumerate(words):
        if index > 0 and "/" in word and not word.startswith(("/", ".")):
            kind, _sep, name = word.partition("/")
            normal += [program.aliases.get(kind, kind), name]
        elif index == 1 or (index == 2 and words[0] in ("create", "rollout")):
            normal.append(program.aliases.get(word, word))
        else:
            normal.append(word)
    return normal


def differences(given: Command, expected: Command) -> list[str]:
    """What separates ``given`` from ``expected``, most important first (empty: the same)."""
    if given.program != expected.program:
        return [
            _("This is a `{program}` command: start with `{program}`, not `{given}`.").format(
                program=expected.program, given=given.program
            )
        ]
    found: list[str] = []
    if given.words != expected.words:
        want = " ".join(expected.words)
        got = " ".join(given.words) or _("nothing")
        found.append(
            _("After `{program}` the command should say `{want}`, not `{got}`.").format(
                program=expected.program, want=want, got=got
            )
        )
    given_flags, expected_flags = dict(given.flags), dict(expected.flags)
    for name, value in expected.flags:
        if name not in given_flags:
            found.append(_("`{flag}` is missing.").format(flag=expected.flag_text(name)))
        elif given_flags[name] != value:
            shown = _("no value") if given_flags[name] is None else f"`{given_flags[name]}`"
            found.append(
                _("`{flag}` should be `{value}`, not {given}.").format(
                    flag=name, value=value, given=shown
                )
                if value is not None
                else _("`{flag}` takes no value.").format(flag=name)
            )
    for name, _v in given.flags:
        if name not in expected_flags:
            found.append(
                _("`{flag}` is not part of the task: leave it out.").format(
                    flag=given.flag_text(name)
                )
            )
    if given.rest != expected.rest:
        want = " ".join(expected.rest) or _("nothing")
        found.append(
            _("What runs at the end should be `{want}`, not `{got}`.").format(
                want=want, got=" ".join(given.rest) or _("nothing")
            )
        )
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Verdict:
    correct: bool
    problem: str  # empty when correct
    closest: str  # the accepted command nearest to the student's


def judge(text: str, accepted: list[str]) -> Verdict:
    """The student's command against every accepted one: right if it means the same as one."""
    try:
        given = parse(text)
    except CommandError as exc:
        return Verdict(False, str(exc), accepted[0])
    best: tuple[int, list[str], str] | None = None
    for option in accepted:
        expected = parse(option)
        problems = differences(given, expected)
        if not problems:
            return Verdict(True, "", option)
        # The nearest is one of the same program, then the one with the fewest differences.
        distance = len(problems) + (1000 if expected.program != given.program else 0)
        if best is None or distance < best[0]:
            best = (distance, problems, option)
    assert best is not None
    return Verdict(False, best[1][0], best[2])
