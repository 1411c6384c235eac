"""Security headers on every response, and cookie settings that follow the public URL."""
from __future__ import annotations

from flask import Flask, Response

#: No inline scripts or styles, nothing from elsewhere, never inside a frame.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def cookie_settings(base_url: str) -> dict[str, object]:
    """Session cookies: HttpOnly, SameSite=Lax, and Secure whenever the site is on https."""
    secure = base_url.lower().startswith("https://")
    return {"SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": secure, "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SECURE": secure, "REMEMBER_COOKIE_SAMESITE": "Lax"}


def init_app(app: Flask) -> None:
    """Add the security headers to every response of `app`."""

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
