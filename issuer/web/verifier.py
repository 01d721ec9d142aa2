"""Credential pages (HTML or the signed JSON by Accept), QR codes, downloads, and the verify page.

Every credential route applies one privacy rule (services.showing.can_see): a credential that is
not yet accepted and public answers 404 to everyone but its recipient and author.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, make_response, render_template
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import Length, Optional

from .. import export, storage
from ..markdown import render_markdown
from ..services import baked, delivery, lcw, showing
from ..services.linkedin import add_to_linkedin
from ..services.errors import FieldError
from ..credentials.errors import WorkLimitExceeded
from .context import platform
from .lookups import visible_credential_or_404
from .negotiation import CREDENTIAL_TYPES, json_type, signed_json
from .submitted import fetch_document, parse_document, parse_upload
from .messages import words

bp = Blueprint("verifier", __name__)


@bp.context_processor
def _helpers() -> dict:
    return {"md": render_markdown}  # sanitised Markdown (nh3) for criteria, narratives, comments


@bp.app_context_processor
def _baked_formats() -> dict:
    """For templates/credentials/_baked.html, wherever it is included: the baked badge formats
    of a credential row."""
    return {"baked_formats": lambda row: baked.baked_formats(storage.get_session(), row)}


@bp.app_context_processor
def _endorsed_revocation() -> dict:
    """For templates/credentials/_revoked_banner.html: the revoked badge an endorsement row is
    about, if the viewer may see it."""
    return {"endorsed_revocation": lambda row: showing.endorsed_revocation(
        storage.get_session(), row, current_user)}



def verify_url(uuid: str) -> str:
    """The URL a credential's QR code encodes: its verification page."""
    return platform().urls.credential_verify(uuid)


def _wants_page() -> bool:
    """Browsers (naming text/html) get the page; JSON clients, */* and ?format=json the JSON."""
    return json_type(CREDENTIAL_TYPES, wildcard_is_json=True) is None


@bp.get("/credentials/<uuid>")
def credential(uuid: str):
    row = visible_credential_or_404(uuid, current_user)
    if not _wants_page():
        return signed_json(row.signed_json)
    page = showing.credential_page(storage.get_session(), platform(), row, current_user)
    page["linkedin"] = add_to_linkedin(storage.get_session(), platform(), row, current_user)
    award = row.award
    page["offerable"] = delivery.offerable(row, current_user)  # its kind, if theirs to take
    viewer = getattr(current_user, "id", None)
    mine = (viewer is not None and viewer == award.recipient_user_id) if award is not None \
        else page["offerable"] is not None  # no award (a record): its owner, as the check says
    page["deliveries"] = delivery.sent(storage.get_session(), row) if mine else []
    response = make_response(render_template("credentials/show.html", **page))
    response.headers["Vary"] = "Accept"  # the same URL is also the signed JSON
    return response


@bp.get("/credentials/<uuid>/verify")
def credential_verify(uuid: str):
    row = visible_credential_or_404(uuid, current_user)
    document = json.loads(row.signed_json)
    _, explanation = showing.verify_explained(storage.get_session(), platform(), document,
                                              current_user)
    return render_template("credentials/verify.html", row=row, explanation=explanation,
                           credential=showing.describe(document))


@bp.get("/credentials/<uuid>/download")
def download(uuid: str):
    row = visible_credential_or_404(uuid, current_user)
    name = export.download_name(showing.describe(json.loads(row.signed_json))["name"])
    return Response(row.signed_json, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/credentials/<uuid>/qr.png")
def qr_png(uuid: str):
    row = visible_credential_or_404(uuid, current_user)
    return Response(export.qr_png(verify_url(row.id)), mimetype="image/png")


@bp.get("/credentials/<uuid>/qr.svg")
def qr_svg(uuid: str):
    row = visible_credential_or_404(uuid, current_user)
    return Response(export.qr_svg(verify_url(row.id)), mimetype="image/svg+xml")


@bp.get("/credentials/<uuid>/badge.<any(png, svg):extension>")
def baked_badge(uuid: str, extension: str):
    """The achievement's image with this credential baked in (Open Badges 3.0 baked badge)."""
    row = visible_credential_or_404(uuid, current_user)
    mime, data = baked.baked_badge(storage.get_session(), row, extension)
    name = export.download_name(showing.describe(json.loads(row.signed_json))["name"],
                                suffix=f".{extension}")
    return Response(data, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def lcw_links(secret: str) -> dict:
    """The request LCW 2.2.10 binds (DIDAuth) and stores: the email-safe lcw.app page and the
    dccrequest:// deep link, both carrying our origin, the challenge and where to post. Built from
    the configured base URL, never from the request's Host (a proxy may pass an inner one)."""
    urls = platform().urls
    query = urlencode({"issuer": urls.home(), "auth_type": "bearer",
                       "challenge": lcw.challenge_of(secret), "vc_request_url": urls.lcw_didauth(secret)})
    return {"web": "https://lcw.app/request.html?" + query, "app": "dccrequest://request?" + query,
            "interaction": urls.lcw_interaction(secret) + "?" + urlencode({"iuv": 1})}


@bp.post("/credentials/<uuid>/lcw")
@login_required
def lcw_request(uuid: str):
    """A fresh single-use Learner Credential Wallet request for the recipient's own badge or
    endorsement (a POST: it creates an offer)."""
    row = visible_credential_or_404(uuid, current_user)
    _, secret = delivery.create_offer(storage.get_session(), platform(), current_user, row)
    links = lcw_links(secret)
    minutes = int(delivery.OFFER_LIFETIME.total_seconds() // 60)
    response = make_response(render_template("credentials/lcw.html", row=row, links=links,
                                             kind=delivery.deliverable(row), minutes=minutes,
                                             qr=Markup(export.qr_svg(links["web"]))))
    response.headers["Cache-Control"] = "no-store"  # a single-use challenge
    return response


class VerifyForm(FlaskForm):
    credential = TextAreaField("Paste a credential (JSON)", validators=[Optional()])
    upload = FileField("Or upload a JSON file or a baked badge image (PNG or SVG)")
    url = URLField("Or give its URL", validators=[Optional(), Length(max=2000)])
    email = StringField("Check it was issued to this e-mail address")  # checked by _email()


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    form, explanation, status, checked = VerifyForm(), None, 200, None
    if form.validate_on_submit():
        try:
            document = _submitted_document(form)
            _, explanation = showing.verify_explained(storage.get_session(), platform(), document,
                                                      current_user, email=_email(form))
            checked = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
        except FieldError as error:
            getattr(form, error.field).errors.append(words(error))
        except WorkLimitExceeded as error:  # too large or intricate to check: say which limit
            form.credential.errors.append(f"This document cannot be checked: {error}.")
            status = 422
    if form.errors and status == 200:
        status = 400
    return render_template("verify/verify.html", form=form, explanation=explanation,
                           checked=checked), status


def _email(form: VerifyForm) -> str | None:
    """The address to check the credential against (never stored nor logged), if one was given."""
    address = (form.email.data or "").strip()
    if not address:
        return None
    if "@" not in address or len(address) > 254:  # said beside the result, which still shows
        form.email.errors.append(words(FieldError("email.invalid", field="email")))
        return None
    return address


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """An upload over the size limit: the form again, saying so (the body could not be read)."""
    form = VerifyForm(formdata=None)
    limit = current_app.config["ISSUER_MAX_BODY_BYTES"]
    form.upload.errors = [f"The file is too large: the limit is {limit} bytes."]
    return render_template("verify/verify.html", form=form, explanation=None), 400


def _submitted_document(form: VerifyForm) -> dict:
    """The credential from the upload, the pasted text or the URL (in that order)."""
    upload = form.upload.data
    if upload is not None and getattr(upload, "filename", ""):
        limit = current_app.config["ISSUER_MAX_BODY_BYTES"]
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise FieldError("verify.upload-too-large", field="upload", limit=limit)
        return parse_upload(data, "upload")
    if (form.credential.data or "").strip():
        return parse_document(form.credential.data, "credential")
    if (form.url.data or "").strip():
        return fetch_document(form.url.data.strip(), "url")
    raise FieldError("verify.nothing-given", field="credential")
