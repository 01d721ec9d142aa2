"""Settings: API tokens (the page; the JSON API is in web/api/tokens.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from .. import storage
from ..services import tokens
from ..services.errors import FieldError
from .messages import words

bp = Blueprint("settings", __name__, url_prefix="/settings")


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
