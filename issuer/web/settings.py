"""Settings: your name in your badges, and API tokens (the page; the JSON API is in
web/api/tokens.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from .. import storage
from ..services import identity, tokens
from ..services.errors import FieldError
from .messages import words

bp = Blueprint("settings", __name__, url_prefix="/settings")


class BadgesForm(FlaskForm):
    identify = BooleanField("Put my name and a fingerprint of my e-mail in badges issued to me, "
                            "so employers can check they are mine")


@bp.route("/badges", methods=["GET", "POST"])
@login_required
def badges_page():
    """The consent to be named in badges: applies to badges issued from now on."""
    form = BadgesForm(data={"identify": current_user.identify_in_badges})
    if form.validate_on_submit():
        identity.set_identify_in_badges(storage.get_session(), current_user, form.identify.data)
        flash("Saved. Badges issued to you from now on will carry your name and e-mail fingerprint."
              if form.identify.data else
              "Saved. Badges issued to you from now on will not carry your name or e-mail fingerprint.")
        return redirect(url_for("settings.badges_page"))
    return render_template("settings/badges.html", form=form), 400 if form.errors else 200


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)])


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def token_page():
    session = storage.get_session()
    form, created = TokenForm(), None
    if form.validate_on_submit():
        try:
            _, created = tokens.create_token(session, current_user, form.name.data)
        except FieldError as error:
            form.name.errors.append(words(error))
    status = 400 if form.errors else 200
    return render_template("settings/tokens.html", form=form, created=created,
                           tokens=tokens.tokens_of(session, current_user)), status


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if not tokens.revoke_token(storage.get_session(), current_user, token_id):
        abort(404, description=f"no token {token_id} of yours")
    flash("The token is revoked.")
    return redirect(url_for("settings.token_page"))
