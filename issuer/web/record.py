""""Download my record": the signed-in person chooses public items and downloads them as one
signed CLR 2.0 record (a JSON attachment); the record is also kept at its /credentials/<id> URL."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from .. import export, storage
from ..services import recognition, record
from ..services.errors import FieldError
from .context import platform
from .messages import words

bp = Blueprint("record", __name__)


def _page(chosen: set[str] | None = None, error: str | None = None, status: int = 200):
    session = storage.get_session()
    items = [recognition.item(session, row) for row in record.record_items(session, current_user)]
    chosen = {i.row.id for i in items} if chosen is None else chosen
    return render_template("people/record.html", badges=[i for i in items if not i.is_endorsement],
                           endorsements=[i for i in items if i.is_endorsement], chosen=chosen,
                           error=error), status


@bp.get("/me/record")
@login_required
def record_page():
    return _page()


@bp.post("/me/record")
@login_required
def download_record():
    """Sign a record of the checked items and send it as a download."""
    item_ids = request.form.getlist("items")
    try:
        row = record.issue_record(storage.get_session(), platform(), current_user, item_ids)
    except FieldError as error:
        said = words(error)
        return _page(set(item_ids), said[:1].upper() + said[1:] + ".", 422)
    name = export.download_name(f"{current_user.display_name} recognition record")
    return Response(row.signed_json, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Link": f'<{platform().credential_url(row.id)}>; rel="canonical"'})
