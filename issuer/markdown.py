"""Markdown written by people (criteria, endorsement comments) → safe HTML."""

from __future__ import annotations

import markdown as _markdown
import nh3
from markupsafe import Markup

TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h3", "h4"}


def render_markdown(text: str | None) -> Markup:
    """Markdown to HTML with every tag and attribute outside a small allow-list removed."""
    html = _markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(html, tags=TAGS, attributes={"a": {"href"}}, link_rel="nofollow noopener",
                      url_schemes={"http", "https", "mailto"})
    return Markup(clean)  # noqa: S704 - sanitised just above
