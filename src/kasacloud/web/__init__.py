"""kasacloud.web: the dashboard, the Kasa app's screen in a browser.

- :func:`create_app`: the dashboard as an ASGI (Starlette) application;
- :func:`serve_dashboard`: serve it in the foreground (``kasacloud web``, ``kasacloud demo``);
- :class:`DashboardServer`: serve it in a background thread (tests, scripts).

See docs/web.md.
"""

from __future__ import annotations

from kasacloud.web.app import create_app
from kasacloud.web.serve import DashboardServer, serve_dashboard

__all__ = ["DashboardServer", "create_app", "serve_dashboard"]
