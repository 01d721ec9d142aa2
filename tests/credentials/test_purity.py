"""The credential core stays pure: no Flask, no SQLAlchemy, no other part of the service."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "issuer" / "credentials"
FORBIDDEN = ("flask", "sqlalchemy", "werkzeug", "issuer.web", "issuer.storage", "issuer.services")


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.module or ""
            elif node.level >= 2:  # from ..x import y leaves the core
                yield f"issuer.{node.module or ''}"


def test_core_modules_import_nothing_from_the_service_or_web_stack():
    found = {(path.name, name) for path in CORE.glob("*.py") for name in _imports(path)
             if name.startswith(FORBIDDEN)}
    assert found == set()


def test_importing_the_whole_core_loads_no_web_or_database_package():
    modules = ", ".join(f"issuer.credentials.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    code = (f"import sys, importlib; [importlib.import_module(m) for m in '{modules}'.split(', ')]; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=CORE.parents[1], check=True)
    assert result.stdout.strip() == "[]"
