"""png-itxt (npm, the reader suggested in 1EdTech/openbadges-specification#586) unbakes our PNG
badge and gets the exact signed credential back, from one uncompressed chunk."""

from __future__ import annotations

import io
import json
import subprocess

from issuer import baking
from tests.web.browsing import Browser
from tests.web.test_badges import achievement_id, awards, define, issue_form, make_community, png

try:
    from . import harness
except ImportError:
    import harness

READER = harness.NODE_DIR / "node_modules" / "png-itxt" / "bin" / "png-itxt-get"


def png_itxt_get(path) -> list[dict]:
    """Every iTXt chunk with keyword openbadgecredential, as png-itxt reports it (a JSON line each)."""
    harness.ensure_installed()
    done = subprocess.run([harness.node_path(), str(READER), "-k", "openbadgecredential", str(path)],
                          capture_output=True, text=True, timeout=60, cwd=harness.NODE_DIR)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_png_itxt_reads_the_exact_signed_credential_from_our_badge(app, tmp_path):
    lea, _ = Browser(app).sign_up("lea"), Browser(app).sign_up("ada")
    make_community(app, "lea", ("ada",))
    aid = achievement_id(define(lea, criteria="Braces `{}` and `}` and ]]> in Markdown."))
    assert issue_form(lea, aid, ["ada"]).status_code == 302
    credential = awards(app, achievement_id=aid)[0].credential
    got = lea.get(f"/credentials/{credential.id}/badge.png")
    assert got.status_code == 200
    path = tmp_path / "badge.png"
    path.write_bytes(got.data)
    (chunk,) = png_itxt_get(path)
    assert chunk["compressed"] is False and chunk["language"] == "" and chunk["translated"] == ""
    assert json.loads(chunk["value"]) == json.loads(credential.signed_json)


def test_png_itxt_reads_the_credential_from_the_png_drawn_for_an_svg_badge(app, tmp_path):
    lea, _ = Browser(app).sign_up("lea"), Browser(app).sign_up("ada")
    make_community(app, "lea", ("ada",))
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="4" fill="#1f6f5c"/></svg>'
    aid = achievement_id(define(lea, criteria="Braces `{}` in Markdown.", image=(io.BytesIO(svg), "b.svg")))
    assert issue_form(lea, aid, ["ada"]).status_code == 302
    credential = awards(app, achievement_id=aid)[0].credential
    got = lea.get(f"/credentials/{credential.id}/badge.png")
    assert got.status_code == 200 and got.mimetype == "image/png"
    path = tmp_path / "badge.png"
    path.write_bytes(got.data)
    (chunk,) = png_itxt_get(path)
    assert chunk["compressed"] is False
    assert json.loads(chunk["value"]) == json.loads(credential.signed_json)


def test_png_itxt_sees_one_chunk_after_rebaking(tmp_path):
    path = tmp_path / "rebaked.png"
    path.write_bytes(baking.bake_png(baking.bake_png(png(), '{"id": "urn:uuid:1"}'), '{"id": "urn:uuid:2"}'))
    assert [json.loads(c["value"]) for c in png_itxt_get(path)] == [{"id": "urn:uuid:2"}]
