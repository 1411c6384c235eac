"""What `journey serve --workers N` hands gunicorn (web/wsgi.py)."""
from __future__ import annotations

from gunicorn.config import Config

from web.wsgi import gunicorn_settings


def test_no_control_socket_shared_by_every_server_of_the_user() -> None:
    """gunicorn 25.1+ listens on $XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl
    unless told not to: two Journey servers on one host would remove each other's."""
    settings = gunicorn_settings("127.0.0.1", 5000, 2)
    assert settings["control_socket_disable"] is True

    cfg = Config()
    for key, value in settings.items():
        if key in cfg.settings:
            cfg.set(key, value)
    assert cfg.control_socket_disable is True
    assert cfg.workers == 2 and cfg.bind == ["127.0.0.1:5000"]


def test_an_ipv6_host_is_bound_in_brackets() -> None:
    assert gunicorn_settings("::1", 8000, 1)["bind"] == "[::1]:8000"
