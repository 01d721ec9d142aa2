"""Achievements and badges: define and edit badge classes, issue badges (leader and peer), revoke.

Pages use Flask-WTF forms (re-rendered with errors and what was typed, status 400; PRG on
success); each action also exists in the JSON API (web/api/achievements.py).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from .. import storage
from ..markdown import render_markdown
from ..services import badges
from ..services.errors import FieldError, Forbidden
from ..services.roles import LEADER_ROLES, active_role
from ..storage import Community
from .context import platform
from .lookups import achievement_or_404, badge_or_404, community_or_404
from .negotiation import PROFILE_TYPES, json_type
from .messages import field_words, words

bp = Blueprint("achievements", __name__)
TYPE_LABELS = {"CommunityService": "Community service", "ext:Contribution": "Contribution",
               "ext:Mentoring": "Mentoring", "ext:Facilitation": "Facilitation",
               "ext:KnowledgeSharing": "Knowledge sharing", "ext:Leadership": "Leadership"}


class AchievementForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[DataRequired(), Length(max=2000)])
    criteria = TextAreaField("Criteria (Markdown)", validators=[DataRequired(), Length(max=5000)])
    achievement_type = SelectField("Kind of recognition",
                                   choices=[SelectChoice(t, TYPE_LABELS.get(t, t)) for t in badges.ACHIEVEMENT_TYPES],
                                   default="Badge")
    image = FileField("Image (PNG or SVG)")
    alt = StringField("Image description (alt text)", validators=[Length(max=300)])
    tags = StringField("Tags (comma-separated)", validators=[Length(max=1500)])
    alignments = TextAreaField("Alignments (optional, one per line: name | https://url)")


class AwardForm(FlaskForm):
    recipients = SelectMultipleField("Recipients", widget=ListWidget(prefix_label=False),
                                     option_widget=CheckboxInput())
    narrative = TextAreaField("Why they receive it (optional, Markdown)", validators=[Length(max=5000)])
    evidence = TextAreaField("Evidence links (optional, one per line)")
    peer = BooleanField("Give it as a peer badge, signed by me rather than the community")


class RevokeForm(FlaskForm):
    reason = StringField("Reason")



def _me():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _field_error(form: FlaskForm, error: FieldError) -> None:
    """Show a service error next to its field (or at the top when the form has no such field)."""
    field = getattr(form, error.field, None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, words(error)]
    else:
        form.form_errors.append(field_words(error))


def _form_fields(form: AchievementForm) -> dict:
    upload = form.image.data
    image = (upload.read(), upload.filename or "") if upload and getattr(upload, "filename", "") else None
    return {"name": form.name.data, "description": form.description.data,
            "criteria": form.criteria.data, "achievement_type": form.achievement_type.data,
            "tags": badges.parse_tags(form.tags.data),
            "alignments": badges.parse_alignments(form.alignments.data), "image": image,
            "alt": form.alt.data}


@bp.get("/communities/<slug>/achievements")
def community_achievements(slug: str):
    session, community = storage.get_session(), community_or_404(slug)
    return render_template("achievements/list.html", community=community,
                           achievements=badges.achievements_of(session, community),
                           role=active_role(session, community, _me()), leader_roles=LEADER_ROLES,
                           image_url=lambda image: platform().urls.image(image.id))


@bp.route("/communities/<slug>/achievements/new", methods=["GET", "POST"])
@login_required
def new_achievement(slug: str):
    session, community = storage.get_session(), community_or_404(slug)
    if active_role(session, community, _me()) not in LEADER_ROLES:
        raise Forbidden("achievement.define-forbidden", community=community.name)
    form = AchievementForm()
    if form.validate_on_submit():
        try:
            found = badges.define_achievement(session, platform(), community, _me(), **_form_fields(form))
            flash(f"“{found.name}” is defined. Issue it to members below.")
            return redirect(url_for(".show", achievement_id=found.id))
        except FieldError as error:
            _field_error(form, error)
    return render_template("achievements/form.html", form=form, community=community,
                           achievement=None), 400 if form.errors else 200


@bp.route("/achievements/<achievement_id>/edit", methods=["GET", "POST"])
@login_required
def edit_achievement(achievement_id: str):
    session, achievement = storage.get_session(), achievement_or_404(achievement_id)
    community = achievement.community
    if active_role(session, community, _me()) not in LEADER_ROLES:
        raise Forbidden("achievement.edit-forbidden", community=community.name)
    form = AchievementForm(obj=None if request.method == "POST" else _form_data(achievement))
    if form.validate_on_submit():
        try:
            badges.update_achievement(session, platform(), achievement, _me(), **_form_fields(form))
            flash("The achievement is saved. Badges already issued keep what they were signed with.")
            return redirect(url_for(".show", achievement_id=achievement.id))
        except FieldError as error:
            _field_error(form, error)
    return render_template("achievements/form.html", form=form, community=community,
                           achievement=achievement), 400 if form.errors else 200


def _form_data(achievement) -> SimpleNamespace:
    """What pre-fills the edit form: the stored achievement in the form's own notation."""
    return SimpleNamespace(
        name=achievement.name, description=achievement.description, criteria=achievement.criteria,
        achievement_type=achievement.achievement_type, tags=", ".join(json.loads(achievement.tags)),
        alignments="\n".join(f"{a['name']} | {a['url']}" for a in json.loads(achievement.alignments)),
        alt=achievement.image.alt if achievement.image else "")


@bp.get("/achievements/<achievement_id>")
def show(achievement_id: str):
    achievement = achievement_or_404(achievement_id)
    mimetype = json_type(PROFILE_TYPES)
    if mimetype:
        document = badges.achievement_json(platform(), achievement, context=True)
        response = Response(json.dumps(document, indent=2, ensure_ascii=False), mimetype=mimetype)
        response.headers["Vary"] = "Accept"
        return response
    response = _render_show(achievement, _award_form(achievement), 200)
    response.headers["Vary"] = "Accept"
    return response


def _award_form(achievement) -> AwardForm:
    form = AwardForm()
    user = _me()
    if user is not None:
        choices = badges.recipient_choices(storage.get_session(), achievement, user)
        form.recipients.choices = [SelectChoice(u.handle, f"{u.display_name} (@{u.handle})")
                                    for u in choices]
    else:
        form.recipients.choices = []
    return form


def _render_show(achievement, form: AwardForm, status: int) -> Response:
    session, pf = storage.get_session(), platform()
    image = achievement.image
    page = render_template(
        "achievements/show.html", achievement=achievement, community=achievement.community,
        form=form, mode=badges.issue_mode(session, achievement, _me()),
        criteria=render_markdown(achievement.criteria), tags=json.loads(achievement.tags),
        alignments=json.loads(achievement.alignments), type_label=TYPE_LABELS.get(
            achievement.achievement_type, achievement.achievement_type),
        image_url=pf.urls.image(image.id) if image else None,
        json_url=badges.achievement_url(pf, achievement))
    return Response(page, status=status, mimetype="text/html")


@bp.post("/achievements/<achievement_id>/award")
@login_required
def award(achievement_id: str):
    session, achievement = storage.get_session(), achievement_or_404(achievement_id)
    form = _award_form(achievement)
    peer = True if form.peer.data else None
    badges.authorise_issue(session, achievement, _me(), peer)
    if form.validate_on_submit():
        try:
            results = badges.award(session, platform(), achievement=achievement,
                                   recipients=badges.users_by_handles(session, form.recipients.data),
                                   author=_me(), narrative=form.narrative.data,
                                   evidence=badges.lines(form.evidence.data), peer=peer)
            _flash_results(results)
            return redirect(url_for(".show", achievement_id=achievement.id))
        except FieldError as error:
            _field_error(form, error)
    return _render_show(achievement, form, 400)


def _flash_results(results: list[badges.AwardOutcome]) -> None:
    done = [r.recipient.display_name for r in results if r.credential is not None]
    if done:
        flash(f"Badge issued to {', '.join(done)}. They can accept it under My recognition.")
    for result in results:
        if result.error:
            flash(f"Not issued to {result.recipient.display_name}: {result.error}", "error")


@bp.get("/communities/<slug>/badges")
@login_required
def community_badges(slug: str):
    return _render_badges(community_or_404(slug), {}, 200)


def _render_badges(community, errors: dict, status: int):
    session = storage.get_session()
    listings = badges.badges_of(session, community, _me())
    return render_template("achievements/badges.html", community=community, listings=listings,
                           errors=errors, leader=active_role(session, community, _me()) in LEADER_ROLES,
                           credential_url=platform().credential_url), status


@bp.post("/badges/<badge_id>/revoke")
@login_required
def revoke(badge_id: str):
    session, badge = storage.get_session(), badge_or_404(badge_id)
    community, form = session.get(Community, badge.community_id), RevokeForm()
    try:  # the CSRF token is checked for every form; the service checks who and why
        badges.revoke_badge(session, platform(), badge, _me(), form.reason.data)
    except FieldError as error:
        return _render_badges(community, {badge.id: (words(error), form.reason.data)}, 400)
    flash("The badge is revoked. Verifiers now see it as revoked; this cannot be undone.")
    return redirect(url_for(".community_badges", slug=community.slug))

