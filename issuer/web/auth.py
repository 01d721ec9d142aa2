"""Sign up, log in, log out (Flask-Login sessions; every form CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import storage
from ..services import people
from ..storage import User
from .context import platform

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to continue."


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return storage.get_session().get(User, int(user_id)) if user_id.isdigit() else None


class SignupForm(FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    handle = StringField("Handle (your profile address)", validators=[DataRequired(), Length(max=40)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=people.MIN_PASSWORD)])


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = people.create_user(storage.get_session(), platform(),
                                      handle=form.handle.data, email=form.email.data,
                                      display_name=form.display_name.data, password=form.password.data)
        except people.FieldError as error:
            getattr(form, error.field).errors.append(error.detail)
        else:
            login_user(user)
            flash(f"Welcome, {user.display_name}. Your profile is at /people/{user.handle}.")
            return redirect(safe_next(request.args.get("next"), url_for("public.index")))
    return render_template("auth/signup.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = people.authenticate(storage.get_session(), form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("public.index")))
        form.password.errors.append("Email or password is not right.")
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are logged out.")
    return redirect(url_for("public.index"))


__all__ = ["bp", "login_manager", "current_user", "safe_next"]
