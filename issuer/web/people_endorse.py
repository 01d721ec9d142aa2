"""Endorsement forms: endorse a person, a badge or an achievement; withdraw an endorsement."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from .. import storage
from ..services import endorsing, recognition
from ..services.errors import FieldError
from .context import platform
from .lookups import achievement_or_404, person_or_404
from .messages import words
from .people import bp


class EndorseForm(FlaskForm):
    comment = TextAreaField("Your endorsement", validators=[DataRequired(), Length(max=2000)])
    how_known = StringField("How you know them", validators=[Optional(), Length(max=500)])
    observed = TextAreaField("What you observed", validators=[Optional(), Length(max=1000)])
    link = URLField("Link to the contribution", validators=[Optional(), Length(max=600)])


class RevokeForm(FlaskForm):
    reason = TextAreaField("Why you withdraw it", validators=[DataRequired(), Length(max=500)])


@bp.route("/people/<handle>/endorse", methods=["GET", "POST"])
@login_required
def endorse_person(handle: str):
    person = person_or_404(handle)
    subject = endorsing.person_subject(current_user, person)
    return _endorse_page(subject, back=url_for("people.profile", handle=person.handle))


@bp.route("/credentials/<uuid>/endorse", methods=["GET", "POST"])
@login_required
def endorse_credential(uuid: str):
    subject = endorsing.credential_subject(storage.get_session(), current_user, uuid)
    return _endorse_page(subject, back=url_for("verifier.credential", uuid=uuid))


@bp.route("/achievements/<achievement_id>/endorse", methods=["GET", "POST"])
@login_required
def endorse_achievement(achievement_id: str):
    achievement = achievement_or_404(achievement_id)
    subject = endorsing.achievement_subject(storage.get_session(), platform(), current_user, achievement)
    return _endorse_page(subject, back=url_for("achievements.show", achievement_id=achievement.id))


def _endorse_page(subject: endorsing.Subject, *, back: str):
    """The form (prefilled when editing); on a valid POST, sign and go back to the subject."""
    session = storage.get_session()
    before = endorsing.existing(session, current_user, subject)
    form = EndorseForm()
    if before is not None and not form.is_submitted():
        _prefill(form, before)
    status = 200
    if form.validate_on_submit():
        try:
            said = endorsing.points(form.comment.data, form.how_known.data, form.observed.data,
                                    form.link.data)
            row = endorsing.endorse(session, platform(), current_user, subject, said)
        except endorsing.RateLimited as error:
            form.comment.errors.append(words(error))
            status = 429
        except FieldError as error:
            getattr(form, error.field).errors.append(words(error))
        else:
            flash(("Your endorsement is updated and signed again." if row.updated_at else
                   "Your endorsement is signed.") + (" It shows once a leader of the community accepts it."
                                                     if subject.achievement_id else
                                                     " It shows once its recipient accepts it."))
            return redirect(back)
    status = 400 if form.errors and status == 200 else status
    return render_template("people/endorse.html", form=form, subject=subject, editing=before,
                           back=back), status


def _prefill(form: EndorseForm, row) -> None:
    subject = json.loads(row.credential.signed_json).get("credentialSubject", {})
    said = endorsing.parse_points(subject.get("endorsementComment"))
    form.comment.data, form.how_known.data = said.comment, said.how_known
    form.observed.data, form.link.data = said.observed, said.link


@bp.route("/endorsements/<uuid>/revoke", methods=["GET", "POST"])
@login_required
def revoke_endorsement(uuid: str):
    session = storage.get_session()
    row = endorsing.own_endorsement(session, current_user, uuid)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            endorsing.revoke_endorsement(session, platform(), current_user, uuid, form.reason.data)
        except FieldError as error:
            form.reason.errors.append(words(error))
        else:
            flash("Your endorsement is revoked.")
            return redirect(url_for("people.inbox"))
    return render_template("people/revoke.html", form=form, item=recognition.item(session, row)), \
        400 if form.errors else 200
