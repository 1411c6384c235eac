"""Open Badges: hosted OB 2.0 assertions, baked PNGs, OB 3.0 credentials and their check.

`init_app(app)` registers the blueprint (public pages under /ob, and the admin's
`PUT /api/networks/<network_id>/issuer`) adds that API path to the OpenAPI document, and links each standing award of the
portfolio and badges reads to its assertion, baked PNG and credential (`open_badges`).
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from web.openbadges.routes import bp, document_issuer_api, link_portfolio_awards
    from web.openbadges.service import KEY, OpenBadges

    app.extensions[KEY] = OpenBadges()
    app.register_blueprint(bp)
    document_issuer_api(app)
    link_portfolio_awards(app)
