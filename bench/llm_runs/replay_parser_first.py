"""Replay of ``understanding.parser_first.combine`` on the second LLM run's recorded answers (no model is called).

The parser is the one the run used (commit d620aa8), run again (it is deterministic); the model's answer per case is
read back from the run's parser-first reports: a passing case answered the expected requests, a failing one the kinds
and fields the report printed, a timeout nothing. The combination of this checkout is scored by the d620aa8 eval's
own ``Result``. Run from a copy of that tree, with this checkout at /work/main:

    mkdir /tmp/d620 && git archive d620aa8 | tar -x -C /tmp/d620
    cd /tmp/d620 && PYTHONPATH=/tmp/d620 /work/main/.venv/bin/python /work/main/bench/llm_runs/replay_parser_first.py
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from approvals.core import intents
from approvals.core.intents import Understanding
from bench.eval_understanding import Case, Result, load_cases
from understanding.parser import EXAMPLES, OfflineParser

RUNS = Path("/work/main/bench/llm_runs")
REQUEST = TypeAdapter(intents.ActionRequest)


def _combine() -> Any:
    """This checkout's ``combine``, over the d620aa8 parser's table of needed fields."""
    source = (RUNS.parent.parent / "understanding" / "parser_first.py").read_text(encoding="utf-8")
    source = source.replace(
        "from understanding.parser import EXAMPLES, OfflineParser, needed_fields",
        "from understanding.parser import EXAMPLES, OfflineParser, _NEEDED\n"
        "def needed_fields(kind):\n    return _NEEDED.get(kind, ())",
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "parser_first", "exec"), namespace)
    return namespace["combine"]


def _value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def read_report(path: Path) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Failing cases (what the model answered, as printed) and the ids of the passing ones."""
    failing: dict[str, dict[str, Any]] = {}
    passing: set[str] = set()
    current: dict[str, Any] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if head := re.match(r"^- (\S+) \[[^\]]+\]( SILENTLY WRONG)?: ", line):
            current = {"kinds": None, "plus": [], "diffs": [], "asked": False, "unavailable": False}
            failing[head[1]] = current
            continue
        if passed := re.match(r"^\+ (\S+)$", line):
            passing.add(passed[1])
            current = None
            continue
        text = line.strip()
        if current is None:
            continue
        if text.startswith("kinds "):
            current["kinds"] = ast.literal_eval(text.split("->", 1)[1].strip())
        elif text.startswith("+ ") and (call := re.match(r"\+ ([\w.]+)\((.*)\)$", text)):
            pairs = re.finditer(r"(\w+)=('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,]+)", call[2])
            current["plus"].append((call[1], {m[1]: _value(m[2]) for m in pairs}))
        elif text.startswith("asked:"):
            current["asked"] = True
        elif text.startswith("unavailable:"):
            current["unavailable"] = True
        elif diff := re.match(r"([\w.]+)\.(\w+): (.*) -> (.*)$", text):
            current["diffs"].append((diff[1], diff[2], _value(diff[4])))
    return failing, passing


def _request(raw: dict[str, Any]) -> intents.ActionRequest:
    try:
        return REQUEST.validate_python(raw)
    except ValueError:
        return REQUEST.validate_python({"kind": raw["kind"]})


def model_answer(case: Case, failed: dict[str, Any] | None) -> Understanding | None:
    expected = [r.model_dump() for r in case.expected] if case.expectation == "requests" else []
    if failed is None:
        question = "?" if case.expectation == "question" else None
        return Understanding(requests=tuple(_request(r) for r in expected), question=question, extractor="model")
    if failed["unavailable"]:
        return None
    if failed["kinds"] is not None:
        raw = [{"kind": kind, **fields} for kind, fields in failed["plus"]]
    else:
        raw = expected
        for kind, name, got in failed["diffs"]:
            for request in raw:
                if request["kind"] == kind:
                    request[name] = got
    question = "?" if failed["asked"] else None
    return Understanding(requests=tuple(_request(r) for r in raw), question=question, extractor="model")


def replay(directories: list[str], report: Path) -> list[str]:
    combine = _combine()
    failing, passing = read_report(report)
    totals = dict.fromkeys(("n", "type", "fields", "silent", "amb", "amb_ok", "inj", "inj_ok", "asked", "none"), 0)
    lines: list[str] = []
    for directory in directories:
        for case in load_cases(Path(directory)):
            if case.id not in failing and case.id not in passing:
                continue
            totals["n"] += 1
            reading = OfflineParser().read(case.extraction_input())
            parsed = reading.understanding
            specific = not parsed.requests and parsed.question is not None and not parsed.question.endswith(EXAMPLES)
            final: Understanding | None = parsed
            if not reading.complete and not specific:
                totals["asked"] += 1
                modelled = model_answer(case, failing.get(case.id))
                if modelled is None:
                    totals["none"] += 1
                    final = parsed if parsed.requests else None
                else:
                    final = combine(parsed, modelled)
            alone, result = Result(case, parsed, 0.0), Result(case, final, 0.0)
            if result.passed != alone.passed:
                lines.append(
                    f"    {case.id}: parser alone {(alone.passed and 'pass') or 'FAIL'} -> combined "
                    f"{(result.passed and 'pass') or 'FAIL'}"
                )
            if result.silently_wrong:
                lines.append(f"    {case.id}: silently wrong")
            totals["type"] += result.type_ok
            totals["fields"] += result.fields_ok
            totals["silent"] += result.silently_wrong
            if case.is_ambiguous:
                totals["amb"] += 1
                totals["amb_ok"] += result.ambiguity_ok
            if "injection" in case.tags:
                totals["inj"] += 1
                totals["inj_ok"] += result.fields_ok
    n = totals["n"]
    head = (
        f"action type {totals['type'] / n:.1%}, every field {totals['fields'] / n:.1%}, silently wrong "
        f"{totals['silent'] / n:.1%} ({totals['silent']}), ambiguous {totals['amb_ok']}/{totals['amb']}, injection "
        f"{totals['inj_ok']}/{totals['inj']}; the model asked {totals['asked']} ({totals['none']} gave no answer)"
    )
    return [head, *lines]


def main() -> None:
    holdout = ["/work/main/bench/understanding_holdout"]
    dev = ["bench/understanding_cases", "bench/understanding_new", "bench/understanding_fresh"]
    for name, directories, report in (
        ("understanding_holdout (50)", holdout, RUNS / "second_model_holdout_parser_first.txt"),
        ("the three dev sets (133)", dev, RUNS / "second_model_dev_parser_first.txt"),
    ):
        head, *rest = replay(directories, report)
        print(f"{name}: {head}")
        print("\n".join(rest))


if __name__ == "__main__":
    main()
