"""One error family: services name their decisions with codes, issuer/web/messages.py words them.

The raise sites are read from the source, so a new code without a wording, a wording whose
parameters are not given, or a service that raises an English sentence fails here.
"""

from __future__ import annotations

import ast
import inspect
import string
import subprocess
import sys
from pathlib import Path

import pytest

import issuer
from issuer.credentials.errors import CredentialError
from issuer.services import errors as family
from issuer.web import errors as web_errors
from issuer.web.messages import MESSAGES, words

PACKAGE = Path(issuer.__file__).parent
SERVICE_MODULES = sorted((PACKAGE / "services").glob("*.py")) + [PACKAGE / "images.py",
                                                                 PACKAGE / "baking.py"]
RAISING_MODULES = SERVICE_MODULES + sorted((PACKAGE / "web").glob("*.py"))
CLASSES = {name: cls for name, cls in vars(family).items()
           if inspect.isclass(cls) and issubclass(cls, family.ServiceError)}
# A service may raise a sentence only as a core error, where the core's own contract asks for
# it: completing a credential (document checks that belong to the core) and the key and status
# resolvers the core verifier calls (it reports their messages in its result).
CORE_CONTRACT = {("verifying.py", name) for name in ("resolve_key", "_own_key", "_key_from_document",
                                                     "_public_key", "get_status")}
# Broken invariants of the code itself (a 500, never a person's mistake): worded for the log.
INVARIANTS = {("transaction.py", "transaction"), ("transaction.py", "savepoint")}


def _raises(path: Path):
    """(function name, raise node) for every ``raise X(...)`` in the module."""
    tree = ast.parse(path.read_text(), str(path))
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    yield function.name, node


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _service_raises():
    """(where, class, code, parameter names) of every service error raised in issuer/."""
    for path in RAISING_MODULES:
        for function, node in _raises(path):
            cls = CLASSES.get(_name(node.exc))
            if cls is None:
                continue
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            args, keywords = node.exc.args, node.exc.keywords
            assert len(args) == 1 and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str), \
                f"{where}: the code is the only positional argument, a string literal"
            assert all(k.arg is not None for k in keywords), f"{where}: name each parameter"
            yield where, cls, args[0].value, {k.arg for k in keywords}


def _fields(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_raised_code_has_a_wording_that_its_parameters_fill():
    found = list(_service_raises())
    assert len(found) > 100  # the walk found the raise sites
    for where, cls, code, names in found:
        assert code in MESSAGES, f"{where}: no wording for {code!r} in issuer/web/messages.py"
        given = names - {"field"} if issubclass(cls, family.FieldError) else names
        if issubclass(cls, family.FieldError):
            assert "field" in names, f"{where}: a FieldError names its field"
        wanted = _fields(MESSAGES[code]) - ({"field"} if issubclass(cls, family.FieldError) else set())
        assert given == wanted, f"{where}: {code!r} is given {sorted(given)}, its wording uses {sorted(wanted)}"


def test_every_wording_is_used():
    used = {code for _, _, code, _ in _service_raises()}
    assert set(MESSAGES) - used == set()


def test_no_service_raises_an_english_sentence():
    for path in SERVICE_MODULES:
        module = path.relative_to(PACKAGE).as_posix()
        for function, node in _raises(path):
            texts = [n for n in ast.walk(node.exc) if isinstance(n, ast.JoinedStr)
                     or (isinstance(n, ast.Constant) and isinstance(n.value, str) and " " in n.value)]
            if not texts:
                continue
            where = f"{module}:{node.lineno} in {function}"
            if (path.name, function) in INVARIANTS:
                assert _name(node.exc) in ("RuntimeError", "UnitOfWorkFailed"), where
                continue
            assert (path.name, function) in CORE_CONTRACT, f"{where} raises a sentence; raise a code"
            assert _name(node.exc) not in CLASSES, where


def test_core_contract_raises_are_core_errors():
    """The sentences allowed above are the core's own errors, not service errors in disguise."""
    import issuer.services.issuing as issuing
    import issuer.services.verifying as verifying

    modules = {"issuing.py": issuing, "verifying.py": verifying}
    assert CORE_CONTRACT and all(hasattr(modules[name], function) for name, function in CORE_CONTRACT)
    for path in (PACKAGE / "services" / "issuing.py", PACKAGE / "services" / "verifying.py"):
        for function, node in _raises(path):
            if (path.name, function) in CORE_CONTRACT:
                raised = getattr(modules[path.name], _name(node.exc))
                assert raised.__module__.startswith("issuer.credentials."), (path.name, node.lineno)


def test_the_family_has_one_base_apart_from_the_core():
    for name, cls in CLASSES.items():
        assert issubclass(cls, family.ServiceError) and not issubclass(cls, CredentialError), name


def test_every_service_error_class_has_its_own_http_answer():
    mapped = {cls for cls, *_ in web_errors.SERVICE_ANSWERS}
    assert set(CLASSES.values()) - {family.ServiceError} == mapped


def test_words_fill_the_template():
    error = family.FieldError("community.last-leader", field="role", name="Ada",
                              community="Open Knitting")
    assert words(error) == "Ada is the last leader of Open Knitting; make someone else leader first"
    assert words(family.FieldError("role.unknown", field="role", roles=("a", "b"))) == "choose one of: a, b"
    assert words(family.FieldError("alignment.invalid", field="alignments", url="ftp://x")) \
        == "an alignment needs a name and an http(s) URL, not 'ftp://x'"
    assert words(family.FieldError("verify.not-an-object", field="credential", kind="list")) \
        == "a credential is a JSON object ({…}), not list"
    assert "community.last-leader" in str(error)  # logs name the code, not a sentence


@pytest.mark.parametrize("module", ["issuer.images", "issuer.errors"])
def test_images_and_the_base_import_no_service(module):
    code = (f"import sys, {module}; "
            "print(sorted(m for m in sys.modules if m.startswith(('issuer.services', 'issuer.web'))))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
