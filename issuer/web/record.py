""""Download my record": the signed-in person chooses public items and downloads them as one
signed CLR 2.0 record (a JSON attachment), or opens it to add it to a wallet; every record is
kept at its /credentials/<id> URL, and the page lists the person's past ones there."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import export, storage
from ..credentials import clr
from ..services import recognition, record
from ..services.errors import FieldError
from .context import platform
from .messages import words

bp = Blueprint("record", __name__)


def _page(chosen: set[str] | None = None, error: str | None = None, status: int = 200):
    session = storage.get_session()
    items = [recognition.item(session, row) for row in record.record_items(session, current_user)]
    chosen = {i.row.id for i in items} if chosen is None else chosen
    past = [_past(row) for row in record.records_of(session, current_user)]
    return render_template("people/record.html", badges=[i for i in items if not i.is_endorsement],
                           endorsements=[i for i in items if i.is_endorsement], chosen=chosen,
                           error=error, past=past), status


def _past(row: storage.IssuedCredential) -> dict:
    """One of the person's past records, as the page lists it."""
    document = json.loads(row.signed_json)
    return {"id": row.id, "made": row.created_at, "revoked": row.revoked_at is not None,
            "count": len(clr.members(document)) + len(document.get("endorsement") or []),
            "partial": document.get("partial") is True}


@bp.get("/me/record")
@login_required
def record_page():
    return _page()


@bp.post("/me/record")
@login_required
def download_record():
    """Sign a record of the checked items and send it as a download, or open its page (where
    it can be added to a wallet) when the person asked for that."""
    item_ids = request.form.getlist("items")
    try:
        row = record.issue_record(storage.get_session(), platform(), current_user, item_ids)
    except FieldError as error:
        said = words(error)
        return _page(set(item_ids), said[:1].upper() + said[1:] + ".", 422)
    if request.form.get("then") == "wallet":
        flash("Your record is signed. Add it to a wallet below, or download it.")
        return redirect(url_for("verifier.credential", uuid=row.id), 303)
    name = export.download_name(f"{current_user.display_name} recognition record")
    return Response(row.signed_json, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Link": f'<{platform().credential_url(row.id)}>; rel="canonical"'})
