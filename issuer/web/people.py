"""People: public profile pages (HTML or OB Profile JSON), did:web documents, and the consent inbox.

Endorsement forms live in people_endorse.py, which adds its routes to this blueprint (web/__init__.py
imports both); the JSON API is in web/api/people.py.
"""

from __future__ import annotations

import json

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from markupsafe import Markup

from .. import export, services, storage
from ..credentials.errors import CredentialError
from ..credentials.vocab import parse_datetime
from ..explain import date_words
from ..markdown import render_markdown
from ..services import delivery, graph, recognition, story
from ..services.errors import FieldError
from .lookups import person_or_404
from .messages import words
from .context import platform
from .negotiation import PROFILE_TYPES, asks_for_profile, json_type

bp = Blueprint("people", __name__)
ACTIONS = {"accept": (recognition.set_consent, "accepted", "Accepted. It is private until you make it public."),
           "decline": (recognition.set_consent, "declined", "Declined. You can still accept it later."),
           "public": (recognition.set_visibility, "public", "It now shows on your public profile."),
           "private": (recognition.set_visibility, "private", "It no longer shows on your profile.")}



@bp.app_template_filter("markdown")
def _markdown(text: str | None):
    return render_markdown(text)


@bp.app_template_filter("day")
def _day(value: str | None) -> str:
    """A signed date-time (``validFrom``) as people write dates: 3 May 2026; as given if odd."""
    try:
        return date_words(parse_datetime(value))
    except CredentialError:
        return value or ""


@bp.get("/people/<handle>")
def profile(handle: str):
    user = person_or_404(handle)
    session = storage.get_session()
    if asks_for_profile(platform().urls.recognition_context(), PROFILE_TYPES):
        return _recognition_graph(session, user)
    best = json_type(PROFILE_TYPES)
    if best:
        text = json.dumps(recognition.profile_document(session, user), indent=2, ensure_ascii=False)
        response = Response(text, mimetype=best)
    else:
        view = request.args.get("view", "communities")
        if view not in story.VIEWS:
            abort(400, description=f"A profile has no view called “{view[:40]}”: "
                                   "leave view out, or use view=timeline.")
        response = Response(render_template("people/profile.html", person=user, view=view,
                                            story=story.profile_story(session, user, current_user)))
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = _graph_link(user)
    return response


def _recognition_graph(session, user) -> Response:
    """The person's public recognition graph: JSON-LD named by its context as ``profile``."""
    document = graph.recognition_graph(session, platform(), user)
    response = Response(json.dumps(document, indent=2, ensure_ascii=False),
                        content_type=f'application/ld+json; profile="{platform().urls.recognition_context()}"')
    response.headers["Vary"] = "Accept"
    return response


def _graph_link(user) -> str:
    """Where a program finds the graph: this URL, asked for with the graph's profile."""
    urls = platform().urls
    return (f'<{urls.person(user.handle)}>; rel="alternate"; type="application/ld+json"; '
            f'profile="{urls.recognition_context()}"')


@bp.get("/people/<handle>/did.json")
def did_document(handle: str):
    user = person_or_404(handle)
    if not user.issuer.did.startswith("did:web:"):
        abort(404, description=f"@{user.handle}'s DID is {user.issuer.did}, which needs no DID "
                               "document: did:web is used only with an https base URL")
    return Response(json.dumps(services.did_document(user.issuer), indent=2),
                    mimetype="application/did+json" if "did+json" in request.headers.get("Accept", "")
                    else "application/json")


@bp.get("/me/recognition")
@login_required
def inbox():
    session = storage.get_session()
    items = recognition.incoming(session, current_user)
    return render_template(
        "people/inbox.html", pending=[i for i in items if i.row.consent == "pending"],
        accepted=[i for i in items if i.row.consent == "accepted"],
        declined=[i for i in items if i.row.consent == "declined"],
        given=recognition.given(session, current_user))


@bp.post("/me/recognition/<uuid>/wallet-offer")
@login_required
def wallet_offer(uuid: str):
    """A new single-use OpenID4VCI offer of the recipient's badge or endorsement (the credential
    with this id): a link and a QR code."""
    session = storage.get_session()
    row = session.get(storage.IssuedCredential, uuid) if len(uuid) <= 36 else None
    if row is None:
        abort(404)
    offer, secret = delivery.create_offer(session, platform(), current_user, row)
    offer_uri = ("openid-credential-offer://?credential_offer_uri="
                 + quote(platform().urls.credential_offer(secret), safe=""))
    return render_template("people/wallet_offer.html", row=row, kind=delivery.deliverable(row),
                           offer=offer, offer_uri=offer_uri, qr=Markup(export.qr_svg(offer_uri)),
                           minutes=int(delivery.OFFER_LIFETIME.total_seconds() // 60))


@bp.post("/me/recognition/<uuid>/<action>")
@login_required
def decide(uuid: str, action: str):
    if action not in ACTIONS:
        abort(404)
    change, value, message = ACTIONS[action]
    try:
        change(storage.get_session(), current_user, uuid, value)
    except FieldError as error:
        said = words(error)
        flash(said[:1].upper() + said[1:] + ".", "error")
    else:
        flash(message)
    return redirect(url_for("people.inbox"))

