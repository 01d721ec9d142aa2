"""Credential pages (HTML or the signed JSON by Accept), QR codes, downloads, and the verify page.

Every credential route applies one privacy rule (services.showing.can_see): a credential that is
not yet accepted and public answers 404 to everyone but its recipient and author.
"""

from __future__ import annotations

import json

from flask import (Blueprint, Response, abort, current_app, g, jsonify, make_response,
                   render_template)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import TextAreaField, URLField
from wtforms.validators import Length, Optional

from .. import export, storage
from ..fetch import FetchError, fetch
from ..markdown import render_markdown
from ..services import showing
from ..services.errors import FieldError
from . import api
from .negotiation import CREDENTIAL_TYPES, json_type
from ..credentials.errors import WorkLimitExceeded
from ..credentials.verify import looks_like_jwt
from ..credentials.limits import UnusableText
from .body import check_limits, credential_member, depth, json_body, loads, member
from .errors import BadRequest
from .context import platform
from .messages import words

bp = Blueprint("verifier", __name__)


@bp.context_processor
def _helpers() -> dict:
    return {"md": render_markdown}  # sanitised Markdown (nh3) for criteria, narratives, comments



def verify_url(uuid: str) -> str:
    """The URL a credential's QR code encodes: its verification page."""
    return platform().credential_url(uuid) + "/verify"


def _visible(uuid: str, user):
    row = showing.visible_credential(storage.get_session(), uuid, user)
    if row is None:
        abort(404, description=f"no credential {uuid} here, or it is not public")
    return row


def _signed_json(text: str) -> Response:
    """The signed credential exactly as stored, in the JSON media type the client asked for."""
    mimetype = json_type(CREDENTIAL_TYPES, wildcard_is_json=True) or "application/json"
    response = Response(text, mimetype=mimetype)
    response.headers["Vary"] = "Accept"
    return response


def _wants_page() -> bool:
    """Browsers (naming text/html) get the page; JSON clients, */* and ?format=json the JSON."""
    return json_type(CREDENTIAL_TYPES, wildcard_is_json=True) is None


@bp.get("/credentials/<uuid>")
def credential(uuid: str):
    row = _visible(uuid, current_user)
    if not _wants_page():
        return _signed_json(row.signed_json)
    page = showing.credential_page(storage.get_session(), platform(), row, current_user)
    response = make_response(render_template("credentials/show.html", **page))
    response.headers["Vary"] = "Accept"  # the same URL is also the signed JSON
    return response


@bp.get("/credentials/<uuid>/verify")
def credential_verify(uuid: str):
    row = _visible(uuid, current_user)
    document = json.loads(row.signed_json)
    _, explanation = showing.verify_explained(storage.get_session(), platform(), document,
                                              current_user)
    return render_template("credentials/verify.html", row=row, explanation=explanation,
                           credential=showing.describe(document))


@bp.get("/credentials/<uuid>/download")
def download(uuid: str):
    row = _visible(uuid, current_user)
    name = export.download_name(showing.describe(json.loads(row.signed_json))["name"])
    return Response(row.signed_json, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/credentials/<uuid>/qr.png")
def qr_png(uuid: str):
    row = _visible(uuid, current_user)
    return Response(export.qr_png(verify_url(row.id)), mimetype="image/png")


@bp.get("/credentials/<uuid>/qr.svg")
def qr_svg(uuid: str):
    row = _visible(uuid, current_user)
    return Response(export.qr_svg(verify_url(row.id)), mimetype="image/svg+xml")


class VerifyForm(FlaskForm):
    credential = TextAreaField("Paste a credential (JSON)", validators=[Optional()])
    upload = FileField("Or upload a JSON file")
    url = URLField("Or give its URL", validators=[Optional(), Length(max=2000)])


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    form, explanation, status = VerifyForm(), None, 200
    if form.validate_on_submit():
        try:
            document = _submitted_document(form)
            _, explanation = showing.verify_explained(storage.get_session(), platform(), document,
                                                      current_user)
        except FieldError as error:
            getattr(form, error.field).errors.append(words(error))
        except WorkLimitExceeded as error:  # too large or intricate to check: say which limit
            form.credential.errors.append(f"This document cannot be checked: {error}.")
            status = 422
    if form.errors and status == 200:
        status = 400
    return render_template("verify/verify.html", form=form, explanation=explanation), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """An upload over the size limit: the form again, saying so (the body could not be read)."""
    form = VerifyForm(formdata=None)
    limit = current_app.config["ISSUER_MAX_BODY_BYTES"]
    form.upload.errors = [f"The file is too large: the limit is {limit} bytes."]
    return render_template("verify/verify.html", form=form, explanation=None), 400


FETCH_ACCEPT = "application/vc+ld+json, application/ld+json, application/json, application/vc+jwt;q=0.5"


def _submitted_document(form: VerifyForm) -> dict:
    """The credential from the upload, the pasted text or the URL (in that order)."""
    upload = form.upload.data
    if upload is not None and getattr(upload, "filename", ""):
        limit = current_app.config["ISSUER_MAX_BODY_BYTES"]
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise FieldError("verify.upload-too-large", field="upload", limit=limit)
        return parse_document(data, "upload")
    if (form.credential.data or "").strip():
        return parse_document(form.credential.data, "credential")
    if (form.url.data or "").strip():
        return fetch_document(form.url.data.strip(), "url")
    raise FieldError("verify.nothing-given", field="credential")


def parse_document(text: str | bytes, field: str, source: str | None = None) -> dict | str:
    """A JSON object from pasted, uploaded or fetched text (``source``: the URL it came from),
    or a FieldError saying what is wrong with it. A VC-JWT (compact JWT text, bare or as a JSON
    string) is handed on as text: the verifier answers that it cannot check that format, instead
    of "not valid JSON"."""
    jwt = _jwt_text(text)
    if jwt is not None:
        return jwt
    try:
        value = loads(text)
    except RecursionError:
        raise FieldError("verify.nested-too-deeply", field=field) from None
    except (ValueError, UnicodeDecodeError) as error:
        if source:
            raise FieldError("verify.fetched-not-json", field=field, url=source) from None
        raise FieldError("verify.not-json", field=field, error=str(error)) from None
    return _object(value, field)


def _jwt_text(text: str | bytes) -> str | None:
    try:
        text = text.decode() if isinstance(text, bytes) else text
    except UnicodeDecodeError:
        return None
    text = text.strip()
    if text.startswith('"') and text.endswith('"') and looks_like_jwt(text[1:-1]):
        return text[1:-1]
    return text if looks_like_jwt(text) else None


def fetch_document(url: str, field: str) -> dict | str:
    """The JSON object at ``url``, fetched through the SSRF guard; refusals become a FieldError.
    A VC-JWT there is handed on as text, to be answered "unsupported" like a pasted one."""
    try:
        body = fetch(url, platform().fetch_policy, accept=FETCH_ACCEPT)
    except FetchError as error:
        raise FieldError("verify.refused", field=field, reason=str(error)) from None
    return parse_document(body, field, source=url)


def _object(value: object, field: str) -> dict:
    limit = current_app.config["ISSUER_MAX_JSON_DEPTH"]
    if depth(value) > limit:
        raise FieldError("verify.nested-beyond-limit", field=field, limit=limit)
    try:
        check_limits(value)  # StructureLimitExceeded goes on: a 422 naming the limit
    except UnusableText as error:
        raise FieldError("verify.refused", field=field, reason=str(error)) from None
    if not isinstance(value, dict):
        raise FieldError("verify.not-an-object", field=field,
                         kind=type(value).__name__.replace("NoneType", "null"))
    return value


@api.bp.post("/verify")
@api.require_token
def api_verify_explained():
    body = json_body()
    if "credential" in body:
        document = credential_member(body, "credential")
    elif "url" in body:
        try:
            document = fetch_document(member(body, "url", str), "url")
        except FieldError as error:
            raise BadRequest(f"url: {words(error)}", kind="url-refused") from None
    else:
        raise BadRequest('send {"credential": {…}} or {"url": "…"}', kind="missing-member")
    result, explanation = showing.verify_explained(storage.get_session(), platform(), document,
                                                   g.api_user)
    payload = {key: explanation[key]
               for key in ("verified", "verdict", "checks", "warnings", "endorsements")}
    return jsonify({**payload, "result": result.as_dict()}), 200 if result.verified else 422


@api.bp.get("/credentials/<uuid>")
@api.require_token
def api_signed_credential(uuid: str):
    row = showing.visible_credential(storage.get_session(), uuid, g.api_user)
    if row is None:
        abort(404, description=f"no credential {uuid} that you may see")
    return _signed_json(row.signed_json)
