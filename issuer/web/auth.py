"""Sign up, log in, log out (Flask-Login sessions; every form CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import storage
from ..services import people
from ..storage import User
from . import limits
from .context import platform
from .messages import words

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to continue."


SESSION_GENERATION = "generation"  # the user's session generation when this session logged in


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The session's user, unless their sessions were ended (logout, password change) since."""
    user = storage.get_session().get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or session.get(SESSION_GENERATION) != user.session_generation:
        return None
    return user


def start_session(user: User) -> None:
    """A fresh session for this user: nothing carried over (CSRF token included), then log in."""
    session.clear()
    login_user(user)
    session[SESSION_GENERATION] = user.session_generation


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
    if not target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return default  # control characters or spaces: never put into a Location header
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
            getattr(form, error.field).errors.append(words(error))
        else:
            start_session(user)
            profile = url_for("people.profile", handle=user.handle)
            flash(f"Welcome, {user.display_name}. Your profile is at {profile}.")
            return redirect(safe_next(request.args.get("next"), url_for("public.index")))
    return render_template("auth/signup.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limits.limit_login
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = people.authenticate(storage.get_session(), form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            return redirect(safe_next(request.args.get("next"), url_for("public.index")))
        limits.refused()
        form.password.errors.append("Email or password is not right.")
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    """End every session of this user (a copied cookie stops working too), then this one."""
    people.end_sessions(storage.get_session(), current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("public.index"))


__all__ = ["bp", "login_manager", "current_user", "safe_next"]
