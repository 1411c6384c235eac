"""Security headers on every response, and cookie settings that follow the public URL."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request, session, url_for

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


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the home page: never an open redirect."""
    if target and _same_site_path(target):
        return target
    return url_for("main.home")


def _same_site_path(target: str) -> bool:
    # Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    # "/<tab>/evil.com" and "/<backslash>evil.com" both become "//evil.com", another
    # host; a newline would also break the Location header. Such a target is refused
    # outright: cleaning it would mean guessing what each browser makes of it.
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return target.startswith("/") and not target.startswith("//") \
        and not parts.scheme and not parts.netloc


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
        if "Cache-Control" not in response.headers and _personal():
            # A person's pages, a token or a link just made, a share link's answers: no
            # shared cache or browser history keeps them.
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _personal() -> bool:
    """Whether the answer is for one person: signed in (session or token), or under the
    paths of accounts and share links, whose answers carry or concern a secret."""
    if request.endpoint == "static":
        return False
    return (request.authorization is not None or "_user_id" in session
            or request.path.startswith(("/auth/", "/shared/")))
