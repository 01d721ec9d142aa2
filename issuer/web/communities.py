"""Communities: pages to create, browse, join and lead communities; stored images; invitations.

The JSON API equivalents live in web/api/communities.py.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from werkzeug.datastructures import FileStorage

from .. import storage
from ..services import communities as service
from ..services import did_document as did_document_of
from ..services import endorsing, invitations
from ..services.badges import achievements_of
from ..services.errors import FieldError, InvitationRefused
from ..services.recognition import item
from ..services.roles import LEADER_ROLES, active_role, grantable, may_manage, membership, require_leader
from ..storage import ROLES, Community, StoredImage
from .context import platform
from .lookups import community_or_404, invitation_or_404, member_or_404
from .negotiation import PROFILE_TYPES, json_type
from .messages import words

bp = Blueprint("communities", __name__)


class CommunityForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField("Address (optional)", validators=[Optional(), Length(max=50)])
    domain = TextAreaField("Domain — what the community is about", validators=[DataRequired()])
    purpose = TextAreaField("Purpose", validators=[DataRequired()])
    practice = TextAreaField("Practice — how members practise together", validators=[Optional()])
    image = FileField("Image (PNG or SVG, optional)")
    alt = StringField("Image description (alt text)", validators=[Optional(), Length(max=300)])
    open_membership = BooleanField("Open membership: anyone can join without approval", default=True)
    allow_peer_badges = BooleanField("Members may award badges to each other")
    linkedin_organization_id = StringField("LinkedIn organization id (optional)",
                                           validators=[Optional(), Length(max=20)])


class EditForm(CommunityForm):
    slug = None  # the address is part of the community's DID and never changes


class InviteForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r, r.title()) for r in ROLES], default="member")
    days = IntegerField("Valid for (days)", default=14, validators=[NumberRange(1, 90)])
    uses = IntegerField("How many people may use it", default=1, validators=[NumberRange(1, 500)])



def me():
    return current_user._get_current_object()  # the User itself, for services and comparisons


def form_fields(form: CommunityForm) -> dict:
    """The form as keyword arguments of create_community/update_community."""
    upload = form.image.data if isinstance(form.image.data, FileStorage) and form.image.data else None
    data = upload.read() if upload else b""  # MAX_CONTENT_LENGTH already bounds the request
    fields = {name: getattr(form, name).data for name in ("name", "domain", "purpose", "practice",
                                                         "open_membership", "allow_peer_badges",
                                                         "linkedin_organization_id")}
    return {**fields, "image": data or None, "image_filename": upload.filename if upload else "",
            "image_alt": form.alt.data, **({"slug": form.slug.data} if form.slug else {})}


def show_field_error(form: FlaskForm, error: FieldError) -> None:
    target = getattr(form, error.field, None)
    if target is None:
        flash(words(error), "error")
    else:
        target.errors = [*target.errors, words(error)]


@bp.get("/communities")
def index():
    return render_template("communities/index.html", communities=service.all_communities(storage.get_session()))


@bp.route("/communities/new", methods=["GET", "POST"])
@login_required
def new():
    form = CommunityForm()
    if form.validate_on_submit():
        try:
            created = service.create_community(storage.get_session(), platform(), me(), **form_fields(form))
        except FieldError as error:
            show_field_error(form, error)
        else:
            flash(f"{created.name} is created; you are its leader.")
            return redirect(url_for("communities.show", slug=created.slug))
    return render_template("communities/form.html", form=form, community=None), 400 if form.errors else 200


@bp.get("/communities/<slug>")
def show(slug: str):
    community = community_or_404(slug)
    best = json_type(PROFILE_TYPES)
    if best:
        return Response(json.dumps(service.community_profile(community), indent=2), mimetype=best,
                        headers={"Vary": "Accept"})
    return render_show(community, InviteForm())


def render_show(community: Community, invite_form: InviteForm, status: int = 200):
    """The community page; leaders also see requests, role controls and the invitation form."""
    session = storage.get_session()
    role = active_role(session, community, current_user)
    roles = grantable(role)
    invite_form.role.choices = [c for c in invite_form.role.choices if c.value in roles]
    page = render_template("communities/show.html", community=community, roles=roles,
                           can_manage=lambda member: may_manage(role, current_user, member),
                           members_visible=service.members_visible(session, community, current_user),
                           endorsements=[item(session, row) for row in endorsing.achievement_endorsements(
                               session, community)] if role in LEADER_ROLES else [],
                           mine=membership(session, community, current_user), is_leader=role in LEADER_ROLES,
                           members=service.active_members(session, community),
                           pending=service.pending_requests(session, community), invite_form=invite_form,
                           achievements=achievements_of(session, community))
    return Response(page, status=status, headers={"Vary": "Accept"})


@bp.get("/communities/<slug>/did.json")
def did_document(slug: str):
    issuer = community_or_404(slug).issuer
    if not issuer.did.startswith("did:web:"):
        abort(404, description=f"this community's DID is {issuer.did}; did:web needs an https base URL")
    return Response(json.dumps(did_document_of(issuer), indent=2), mimetype="application/did+json"
                    if "did+json" in request.headers.get("Accept", "") else "application/json")


@bp.route("/communities/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    community = community_or_404(slug)
    require_leader(storage.get_session(), community, me())
    form = EditForm(obj=community, alt=community.image.alt if community.image else "")  # obj's image is no upload
    if form.validate_on_submit():
        try:
            service.update_community(storage.get_session(), platform(), me(), community, **form_fields(form))
        except FieldError as error:
            show_field_error(form, error)
        else:
            flash("The community is updated.")
            return redirect(url_for("communities.show", slug=slug))
    return render_template("communities/form.html", form=form, community=community), 400 if form.errors else 200


@bp.post("/communities/<slug>/join")
@login_required
def join(slug: str):
    joined = service.join(storage.get_session(), community_or_404(slug), me())
    flash(f"Welcome to {joined.community.name}." if joined.status == "active"
          else f"Your request to join {joined.community.name} is waiting for a leader.")
    return redirect(url_for("communities.show", slug=slug))


@bp.post("/communities/<slug>/leave")
@login_required
def leave(slug: str):
    community = community_or_404(slug)
    try:
        service.leave(storage.get_session(), community, me())
    except FieldError as error:
        flash(words(error), "error")
    else:
        flash(f"You left {community.name}.")
    return redirect(url_for("communities.show", slug=slug))


@bp.post("/communities/<slug>/members/<handle>/<action>")
@login_required
def manage_member(slug: str, handle: str, action: str):
    """Leader tools on one member: approve, decline, role, remove."""
    member = member_or_404(community_or_404(slug), handle)
    session, name = storage.get_session(), member.user.display_name
    actions = {"approve": (lambda: service.approve(session, me(), member), f"{name} is now a member."),
               "decline": (lambda: service.decline(session, me(), member), f"{name}'s request is declined."),
               "remove": (lambda: service.remove_member(session, me(), member), f"{name} is removed."),
               "role": (lambda: service.set_role(session, me(), member, request.form.get("role", "")),
                        f"{name}'s role is now {request.form.get('role', '')}.")}
    if action not in actions:
        abort(404, description=f"there is no action {action!r} on members")
    try:
        actions[action][0]()
    except FieldError as error:
        flash(words(error), "error")
    else:
        flash(actions[action][1])
    return redirect(url_for("communities.show", slug=slug) + "#members")


@bp.post("/communities/<slug>/endorsements/<uuid>/<decision>")
@login_required
def decide_endorsement(slug: str, uuid: str, decision: str):
    """A leader or coordinator gives the community's consent to an endorsement of an achievement."""
    community = community_or_404(slug)
    if decision not in endorsing.COMMUNITY_DECISIONS:
        abort(404, description=f"there is no decision {decision!r} on endorsements")
    try:
        endorsing.decide_achievement_endorsement(storage.get_session(), me(), community, uuid, decision)
    except FieldError as error:  # NotFound goes on: a 404
        flash(words(error), "error")
    else:
        flash(ENDORSEMENT_DECIDED[decision])
    return redirect(url_for("communities.show", slug=slug) + "#endorsements")


ENDORSEMENT_DECIDED = {"accept": "The endorsement is accepted (still private).",
                       "decline": "The endorsement is declined.", "public": "The endorsement is public.",
                       "private": "The endorsement is private."}


@bp.post("/communities/<slug>/invitations")
@login_required
def invite(slug: str):
    community, form = community_or_404(slug), InviteForm()
    if form.validate_on_submit():
        try:
            _, url = invitations.create_invitation(storage.get_session(), platform(), community, me(),
                                                   role=form.role.data, days=form.days.data, uses=form.uses.data)
        except FieldError as error:
            show_field_error(form, error)
        else:
            flash(f"Invitation link (as {form.role.data}): {url}")
            return redirect(url_for("communities.show", slug=slug) + "#invite")
    return render_show(community, form, status=400)


@bp.route("/join/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    session, invitation = storage.get_session(), invitation_or_404(token)
    try:  # GET shows what the invitation offers; POST accepts it
        if request.method == "POST":
            invitations.accept_invitation(session, invitation, me())
            flash(f"Welcome to {invitation.community.name}.")
            return redirect(url_for("communities.show", slug=invitation.community.slug))
        invitations.check_invitation(invitation)
    except InvitationRefused as error:
        return render_template("communities/join.html", invitation=invitation, refused=words(error)), 410
    return render_template("communities/join.html", invitation=invitation, refused=None,
                           mine=membership(session, invitation.community, current_user))


@bp.get("/images/<image_id>")
def image(image_id: str):
    """A stored image: immutable, never sniffed, and an SVG cannot run anything even if opened."""
    found = storage.get_session().get(StoredImage, image_id)
    if found is None:
        abort(404, description="there is no such image")
    return Response(found.data, mimetype=found.mime, headers={
        "X-Content-Type-Options": "nosniff", "ETag": f'"{found.sha256}"',
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "Cache-Control": "public, max-age=31536000, immutable"})

