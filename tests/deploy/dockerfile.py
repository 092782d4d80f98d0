"""A small reader of the repository's Dockerfile: stages, their instructions, ENV, COPY.

Enough of the Dockerfile syntax for the file this repository ships (line continuations,
comments, exec-form JSON arguments, ``KEY=value`` ENV pairs, ``--flag=value`` options);
anything else it meets is an error rather than a guess.
"""

from __future__ import annotations

import fnmatch
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        """The JSON-array argument (``CMD ["a", "b"]``)."""
        value = json.loads(self.args)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), self.args
        return value

    def flags_and_words(self) -> tuple[dict[str, str], list[str]]:
        """``--name=value`` options and the remaining shell words."""
        flags: dict[str, str] = {}
        words: list[str] = []
        for word in shlex.split(self.args):
            if word.startswith("--") and not words:
                name, _, value = word[2:].partition("=")
                flags[name] = value
            else:
                words.append(word)
        return flags, words


@dataclass(frozen=True)
class Copy:
    source_stage: str | None
    sources: list[str]
    dest: str
    chown: str | None


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def one(self, keyword: str) -> Instruction:
        (found,) = self.all(keyword)
        return found

    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in shlex.split(instruction.args):
                key, sep, value = word.partition("=")
                assert sep, f"ENV {instruction.args!r}: only KEY=value pairs are read"
                out[key] = value
        return out

    def copies(self) -> list[Copy]:
        out = []
        for instruction in self.all("COPY"):
            flags, words = instruction.flags_and_words()
            unknown = set(flags) - {"from", "chown"}
            assert not unknown, f"COPY options not understood: {unknown}"
            out.append(Copy(flags.get("from"), words[:-1], words[-1], flags.get("chown")))
        return out

    def workdir(self) -> str:
        return self.all("WORKDIR")[-1].args


def logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return lines


def parse(path: Path = DOCKERFILE) -> list[Stage]:
    stages: list[Stage] = []
    for line in logical_lines(path.read_text(encoding="utf-8")):
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        else:
            assert stages, f"{keyword} before FROM"
            stages[-1].instructions.append(Instruction(keyword, args))
    return stages


def stage(name: str, path: Path = DOCKERFILE) -> Stage:
    for found in parse(path):
        if found.name == name:
            return found
    raise LookupError(f"no stage {name!r} in {path}")


def final_stage(path: Path = DOCKERFILE) -> Stage:
    return parse(path)[-1]


def dockerignore(root: Path = ROOT) -> list[str]:
    path = root / ".dockerignore"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert not any(p.startswith("!") for p in patterns), "exceptions (!) are not read here"
    return patterns


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether the build context leaves out ``relative`` (a path from the context root):
    a pattern matches the path or one of its parent folders; ``**/`` matches any depth."""
    parts = PurePosixPath(relative).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        pattern = pattern.strip("/")
        if pattern.startswith("**/"):
            tail = pattern[3:]
            if any(fnmatch.fnmatchcase(part, tail) for part in parts):
                return True
        elif any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
            return True
    return False
