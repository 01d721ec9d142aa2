"""Settings: your profile — name, headline, bio and photo, in one form (routes on settings.bp)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from werkzeug.datastructures import FileStorage

from .. import storage
from ..services import profiles
from ..services.errors import FieldError
from .context import platform
from .messages import words
from .settings import bp


class ProfileForm(FlaskForm):
    """Checked by the service (one set of rules and words); the form only carries the fields."""

    display_name = StringField("Your name")
    headline = StringField("Headline (optional)")
    bio = TextAreaField("About you (optional)")
    photo = FileField("Photo (optional)")
    remove_photo = BooleanField("Remove my photo")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    me = current_user._get_current_object()  # the User itself, for the service
    form = ProfileForm(obj=me)  # a submitted form shows what was typed, not what is stored
    if form.validate_on_submit():
        upload = form.photo.data if isinstance(form.photo.data, FileStorage) and form.photo.data else None
        try:
            profiles.update_profile(
                storage.get_session(), platform(), me, display_name=form.display_name.data,
                headline=form.headline.data, bio=form.bio.data,
                photo=upload.read() if upload else None,  # MAX_CONTENT_LENGTH bounds the request
                photo_filename=(upload.filename or "") if upload else "",
                remove_photo=form.remove_photo.data)
        except FieldError as error:
            field = getattr(form, error.field, None) or form.display_name
            field.errors = [*field.errors, words(error)]
            if upload and error.field != "photo":  # a browser never re-sends a chosen file
                form.photo.errors = [*form.photo.errors, "choose the photo again: a chosen file is "
                                                         "not kept while another field has a mistake"]
        else:
            flash("Your profile is saved.")
            return redirect(url_for("people.profile", handle=me.handle))
    return render_template("settings/profile.html", form=form, person=me, limits=profiles.LIMITS,
                           profile_url=platform().urls.person(me.handle)), 400 if form.errors else 200
