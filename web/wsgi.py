"""Production serving: gunicorn on the same app factory (`journey serve --workers N`).

Each gunicorn worker process builds its own app (`create_app(config)`) after the fork, so
no database connection or projection thread crosses a fork. Nothing runs at import time:
outside the CLI, `gunicorn 'web.app:create_app()'` reads the JOURNEY_* environment itself.
"""
from __future__ import annotations

from typing import Any

from journey.config import Config


def run_gunicorn(config: Config, host: str, port: int, workers: int, *,
                 threads: int = 1, timeout: int = 300) -> None:
    """Serve the app on host:port with `workers` gunicorn processes, until SIGTERM/SIGINT."""
    from gunicorn.app.base import BaseApplication

    class _Journey(BaseApplication):
        def load_config(self) -> None:
            settings = {"bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                        "workers": workers, "threads": threads, "timeout": timeout,
                        "preload_app": False, "accesslog": None, "errorlog": "-",
                        "proc_name": "journey"}
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from web.app import create_app

            app = create_app(config)
            # Fold the log's decision state (access checks read it) before serving, so no
            # request waits for it; it must end within `timeout` (gunicorn restarts a
            # worker silent for longer, and loading counts).
            app.extensions["journey"].store.catch_up()
            return app

    _Journey().run()
