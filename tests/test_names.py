"""Every name the service, its tests and its benches use is defined, and the service imports
nothing it does not use: a change that drops an import another change still needs fails here,
not on the first request that reaches the line."""

from __future__ import annotations

import ast
from pathlib import Path

from pyflakes import checker, messages

ROOT = Path(__file__).resolve().parents[1]
UNDEFINED = (messages.UndefinedName, messages.UndefinedExport, messages.UndefinedLocal)
# These import their modules for what importing does: the modules add routes to a blueprint.
REGISTERING = {"issuer/web/__init__.py", "issuer/web/api/__init__.py"}


def _files(*folders: str):
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def _findings(path: Path) -> list:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return checker.Checker(tree, filename=str(path)).messages


def test_every_name_used_is_defined():
    found = [f"{m.filename}:{m.lineno}: {m.message % m.message_args}"
             for path in _files("issuer", "tests", "bench") if "node_modules" not in path.parts
             for m in _findings(path) if isinstance(m, UNDEFINED)]
    assert found == []


def test_the_service_imports_nothing_it_does_not_use():
    found = [f"{m.filename}:{m.lineno}: {m.message % m.message_args}"
             for path in _files("issuer") if path.relative_to(ROOT).as_posix() not in REGISTERING
             for m in _findings(path) if isinstance(m, messages.UnusedImport)]
    assert found == []


def test_the_check_sees_an_undefined_name(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def f():\n    return select(1)\n", encoding="utf-8")
    assert [type(m) for m in _findings(broken)] == [messages.UndefinedName]
