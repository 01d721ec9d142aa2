"""`pip install .` ships what the service reads at run time, and declares what it imports.

The wheel is built from a copy of the checkout, installed with --no-deps into a fresh venv that
borrows this venv's site-packages for the dependencies (a .pth line: the editable install of
this checkout found there is not activated), and started from a directory outside the checkout.
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "node_modules", "build", "dist", "instance",
                                     "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis")


def _requirement_names(lines) -> set[str]:
    names = set()
    for line in lines:
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(_normal(re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0]))
    return names


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_level_modules() -> dict[str, str]:
    """Each absolute import's top-level module in issuer/, with one file that imports it."""
    found = {}
    for path in sorted((ROOT / "issuer").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_imported_third_party_module_is_declared():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    declared = _requirement_names(config["options"]["install_requires"].splitlines())
    pinned = _requirement_names((ROOT / "requirements.txt").read_text().splitlines())
    providers = metadata.packages_distributions()
    third_party = {name: where for name, where in _imported_top_level_modules().items()
                   if name not in sys.stdlib_module_names and name not in ("__future__", "issuer")}
    assert {"flask", "cachetools", "frozendict", "PIL"} <= set(third_party)  # the walk sees them
    undeclared, unpinned = [], []
    for module, where in sorted(third_party.items()):
        distributions = {_normal(name) for name in providers.get(module, [])}
        assert distributions, f"{module} (imported by {where}) is not installed"
        if not distributions & declared:
            undeclared.append(f"{module} ({where}): {sorted(distributions)}")
        if not distributions & pinned:
            unpinned.append(f"{module} ({where}): {sorted(distributions)}")
    assert undeclared == [], f"imported but not in setup.cfg install_requires: {undeclared}"
    assert unpinned == [], f"imported but not pinned in requirements.txt: {unpinned}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip install .` builds, from a copy of the checkout (the build writes beside it)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_SOURCES)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                            "--disable-pip-version-check", "-w", str(work / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (path,) = (work / "dist").glob("open_recognition_issuer-*.whl")
    return path


def _run_time_files() -> set[str]:
    """Every file under issuer/ that is not Python source: templates, schemas, contexts,
    OpenAPI documents, static files, migration templates (symbolic links followed)."""
    files = set()
    for directory, _, names in os.walk(ROOT / "issuer", followlinks=True):
        for name in names:
            path = Path(directory) / name
            if "__pycache__" not in path.parts and path.suffix not in (".py", ".pyc"):
                files.add(str(path.relative_to(ROOT)))
    return files


def test_the_wheel_holds_every_file_of_the_package(wheel):
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = _run_time_files() | {str(p.relative_to(ROOT)) for p in (ROOT / "issuer").rglob("*.py")
                                    if "__pycache__" not in p.parts}
    assert any(name.startswith("issuer/openapi/") for name in expected)
    assert any(name.startswith("issuer/schemas/contexts/") for name in expected)
    assert any(name.startswith("issuer/templates/") for name in expected)
    assert sorted(expected - shipped) == []


INSTALLED_APP = r"""
import json, sys
from pathlib import Path
import issuer
from issuer import create_app

assert Path(issuer.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), issuer.__file__
app = create_app({"ISSUER_DATA_DIR": sys.argv[1], "ISSUER_API_TOKEN": "installed-token"})
client = app.test_client()
auth = {"Authorization": "Bearer installed-token"}
profile = client.get("/issuer").get_json()
issued = client.post("/credentials/issue", headers=auth, json={"credential": {
    "@context": ["https://www.w3.org/ns/credentials/v2",
                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": profile["id"],
    "name": "Packaged", "credentialSubject": {
        "id": "did:example:ada", "type": ["AchievementSubject"],
        "achievement": {"id": "https://example.org/achievements/packaged", "type": ["Achievement"],
                        "name": "Packaged", "description": "Installed from a wheel.",
                        "criteria": {"narrative": "Run from outside the checkout."}}}}})
credential = issued.get_json()["verifiableCredential"]
verified = client.post("/credentials/verify", json={"verifiableCredential": credential})
home = client.get("/", headers={"Accept": "text/html"})
page = client.get(credential["id"][len(app.config["ISSUER_BASE_URL"]):], headers={"Accept": "text/html"})
style = client.get("/static/style.css")
print(json.dumps({
    "module": issuer.__file__,
    "api_paths": sorted(client.get("/api/v1/openapi.json").get_json()["paths"]),
    "vcapi_paths": sorted(client.get("/openapi.json").get_json()["paths"]),
    "issued": issued.status_code, "verified": [verified.status_code, verified.get_json()["verified"]],
    "home": [home.status_code, home.content_type, "<title>" in home.get_data(as_text=True)],
    "page": [page.status_code, "Packaged" in page.get_data(as_text=True)],
    "style": [style.status_code, len(style.data)]}))
"""


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with only the wheel installed; dependencies come from this venv."""
    venv = tmp_path_factory.mktemp("venv") / "installed"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                           "--no-deps", "--no-index", "--disable-pip-version-check", str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _outside_env() -> dict:
    """The environment without this suite's settings or any path into the checkout."""
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("ISSUER_", "PYTHON", "FLASK_"))}


def test_the_installed_wheel_serves_everything_from_outside_the_checkout(installed, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    run = subprocess.run([str(installed / "bin" / "python"), "-c", INSTALLED_APP, str(outside / "data")],
                         cwd=outside, env=_outside_env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert not Path(result["module"]).resolve().is_relative_to(ROOT)

    checkout = make_app(tmp_path / "checkout").test_client()
    assert result["api_paths"] == sorted(checkout.get("/api/v1/openapi.json").get_json()["paths"])
    assert result["vcapi_paths"] == sorted(checkout.get("/openapi.json").get_json()["paths"])
    assert len(result["api_paths"]) > 10 and "/credentials/issue" in result["vcapi_paths"]
    assert result["issued"] == 201 and result["verified"] == [200, True]
    assert result["home"] == [200, "text/html; charset=utf-8", True]
    assert result["page"] == [200, True]
    assert result["style"][0] == 200 and result["style"][1] > 100


def test_the_installed_wheel_has_the_upgrade_command(installed, tmp_path):
    database = f"sqlite:///{tmp_path / 'configured.sqlite3'}"
    env = {**_outside_env(), "ISSUER_DATA_DIR": str(tmp_path / "data"), "ISSUER_DATABASE_URL": database}
    run = subprocess.run([str(installed / "bin" / "python"), "-m", "flask", "--app", "issuer",
                          "db-upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.stdout.startswith("database schema upgraded from nothing to revision ")
