"""Fail when an app module or a function grows past the size the project keeps things at.

Usage: python tools/check_size.py [--max-module-lines 600] [--max-function-lines 80] [--top 10]

Modules are the ``.py`` files of the apps (migrations excepted); a function's size is its line
span, decorators and docstring included. The largest offenders are printed either way, so a
module close to the limit is seen before it crosses it.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("platform_core", "roleplay", "annotation", "exports", "training", "evaluation", "workforce")


@dataclass(frozen=True)
class Measure:
    path: str
    name: str
    lines: int


def app_modules(root: Path) -> list[Path]:
    modules = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" not in path.relative_to(root).parts:
                modules.append(path)
    return modules


def function_sizes(path: Path, source: str) -> list[Measure]:
    relative = str(path.relative_to(ROOT))
    sizes = []
    for node in ast.walk(ast.parse(source, filename=relative)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            sizes.append(Measure(relative, node.name, node.end_lineno - first + 1))
    return sizes


def report(title: str, measures: list[Measure], limit: int, top: int) -> list[Measure]:
    ranked = sorted(measures, key=lambda m: m.lines, reverse=True)
    print(f"{title} (limit {limit} lines), largest first:")
    for measure in ranked[:top]:
        flag = "  OVER" if measure.lines > limit else ""
        label = measure.path if measure.name == "" else f"{measure.path}:{measure.name}"
        print(f"  {measure.lines:5d}  {label}{flag}")
    return [m for m in ranked if m.lines > limit]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-module-lines", type=int, default=600)
    parser.add_argument("--max-function-lines", type=int, default=80)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args(argv)

    modules, functions = [], []
    for path in app_modules(ROOT):
        source = path.read_text(encoding="utf-8")
        modules.append(Measure(str(path.relative_to(ROOT)), "", len(source.splitlines())))
        functions.extend(function_sizes(path, source))

    over = report("Modules", modules, args.max_module_lines, args.top)
    print()
    over += report("Functions", functions, args.max_function_lines, args.top)
    if over:
        print(f"\n{len(over)} over the limit.", file=sys.stderr)
        return 1
    print("\nEverything within the limits.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
