"""Porch's one HTTP app: health, readiness, metrics; platform endpoints are mounted here too.

`/healthz` answers while the process lives (for restarts); `/readyz` only once the database
answers and the adapters are started (for load balancers); `/metrics` is Prometheus text.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import Porch


def make_app(porch: Porch, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        problems = []
        try:
            with porch.store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            problems.append(f"database: {type(exc).__name__}")
        if not porch.ready:
            problems.append("adapters are not started")
        if problems:
            return JSONResponse({"ready": False, "problems": problems}, status_code=503)
        return JSONResponse({"ready": True, "platforms": sorted(porch.adapters)})

    async def metrics(_: Request) -> Response:
        return Response(porch.metrics.render(), media_type="text/plain; version=0.0.4")

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        *extra_routes,
    ]
    return Starlette(routes=routes)
