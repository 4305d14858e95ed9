"""Text that remembers where each of its characters came from in what the person wrote.

The parser reads a rewritten text ("w/" spelled "with", emoji gone, names replaced by tags) but must hand back free
text as written: a comment body says "w/" if the person wrote "w/". ``Mapped`` carries, for every character, the
span of the original text it stands for, through any number of rewrites and slices.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mapped:
    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Mapped:
        return cls(text, text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))

    def __len__(self) -> int:
        return len(self.text)

    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> Mapped:
        """Replace every match of ``pattern``; a replacement's characters stand for the whole text it replaced."""
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        position = 0
        for match in pattern.finditer(self.text):
            chars.append(self.text[position : match.start()])
            starts.extend(self.starts[position : match.start()])
            ends.extend(self.ends[position : match.start()])
            replacement = repl(match) if callable(repl) else match.expand(repl)
            first, last = self._bounds(match.start(), match.end())
            chars.append(replacement)
            starts.extend([first] * len(replacement))
            ends.extend([last] * len(replacement))
            position = match.end()
        chars.append(self.text[position:])
        starts.extend(self.starts[position:])
        ends.extend(self.ends[position:])
        return Mapped(self.original, "".join(chars), tuple(starts), tuple(ends))

    def unwrap(self, pattern: re.Pattern[str]) -> Mapped:
        """Each match of ``pattern`` replaced by the text of its one matching named group, whose characters keep
        where they came from ("*bold*" becomes "bold", standing for the word, not the asterisks)."""
        keep = [True] * len(self.text)
        for match in pattern.finditer(self.text):
            inner = next(name for name, value in match.groupdict().items() if value is not None)
            for i in range(match.start(), match.end()):
                keep[i] = match.start(inner) <= i < match.end(inner)
        kept = [i for i, k in enumerate(keep) if k]
        return Mapped(
            self.original,
            "".join(self.text[i] for i in kept),
            tuple(self.starts[i] for i in kept),
            tuple(self.ends[i] for i in kept),
        )

    def _bounds(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]`` (an empty span sits where it is)."""
        if start < end:
            return self.starts[start], self.ends[end - 1]
        if start < len(self.starts):
            return self.starts[start], self.starts[start]
        edge = self.ends[-1] if self.ends else 0
        return edge, edge

    def slice(self, start: int, end: int) -> Mapped:
        return Mapped(self.original, self.text[start:end], self.starts[start:end], self.ends[start:end])

    def strip(self, chars: str | None = None) -> Mapped:
        text = self.text
        left = len(text) - len(text.lstrip(chars))
        right = len(text.rstrip(chars))
        return self.slice(left, max(left, right))

    def lower(self) -> Mapped:
        lowered = self.text.lower()
        if len(lowered) != len(self.text):  # a character whose lower case is longer: map it char by char
            return self.sub(re.compile(r"[\s\S]"), lambda m: m[0].lower())
        return Mapped(self.original, lowered, self.starts, self.ends)

    def source(self, start: int = 0, end: int | None = None) -> str:
        """What the person wrote for ``text[start:end]``."""
        end = len(self.text) if end is None else end
        if start >= end:
            return ""
        first, last = self._bounds(start, end)
        said = self.original[first:last]
        if said.count("`") % 2:
            # "`PDFRenderError: overflow` seen 3x": a code span cut at one end keeps both its backticks
            if first > 0 and self.original[first - 1] == "`" and not said.startswith("`"):
                first -= 1
            elif last < len(self.original) and self.original[last] == "`" and not said.endswith("`"):
                last += 1
            said = self.original[first:last]
        return said
