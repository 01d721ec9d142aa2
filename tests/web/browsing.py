"""A person at a browser, through the Flask test client: real forms, real CSRF tokens."""

from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, url, **kwargs):
        """GET as a browser does: asking for HTML first."""
        kwargs.setdefault("headers", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        return self.client.get(url, **kwargs)

    def csrf(self, url="/login") -> str:
        """The CSRF token of this browser's session, read from a page's form."""
        found = CSRF.search(self.get(url).get_data(as_text=True))
        if not found:
            raise AssertionError(f"no CSRF token in the form at {url}")
        return found.group(1)

    def submit(self, url, data=None, *, form_url=None, **kwargs):
        """POST a form the way a browser does: with the CSRF token of the page it came from."""
        fields = {"csrf_token": self.csrf(form_url or url), **(data or {})}
        return self.client.post(url, data=fields, **kwargs)

    def sign_up(self, handle, name=None, password="correct horse battery"):
        response = self.submit("/signup", {"display_name": name or handle.title(), "handle": handle,
                                           "email": f"{handle}@example.org", "password": password},
                               form_url="/signup")
        if response.status_code != 302:
            raise AssertionError(response.get_data(as_text=True))
        return self

    def log_out(self):
        return self.submit("/logout", form_url="/")

    def api_token(self, name="tests") -> str:
        """A JSON API token for this browser's user, made through the settings page."""
        page = self.submit("/settings/tokens", {"name": name}).get_data(as_text=True)
        return re.search(r"<code>(orc_[^<]+)</code>", page).group(1)
