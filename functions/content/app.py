"""Content: the home screen (discover), browsing, class detail, search and categories."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import Path, Query
from mangum import Mangum

from shared.domain import catalog, viewing
from shared.http.app_factory import API, create_app, errors, ok
from shared.http.caller import ClientTenant, UserCaller

app = create_app("content")


@app.get(f"{API}/content/discover")
def discover(caller: UserCaller) -> dict[str, Any]:
    entries = viewing.continue_watching_entries(caller.client_id, caller.user_id)
    return ok(catalog.discover(caller.client_id, entries))


@app.get(f"{API}/content/classes", responses=errors("NO_DEFAULT_CLIENT"))
def list_classes(
    tenant: ClientTenant,
    category: str | None = Query(None, min_length=1, max_length=100),
    trainer: int | None = Query(None, ge=1),
    intensity: Literal["low", "medium", "high"] | None = Query(None),
    min_duration: int | None = Query(None, alias="minDuration", ge=0, le=1440),
    max_duration: int | None = Query(None, alias="maxDuration", ge=0, le=1440),
    is_live: bool | None = Query(None, alias="isLive"),
    sort: Literal["newest", "popular", "duration", "name"] = Query("newest"),
    page: int = Query(1, ge=1, le=100_000),
    limit: int = Query(20, ge=1, le=100),
) -> dict[str, Any]:
    client_id = tenant.id
    filters = catalog.Filters(category=category, trainer=trainer, intensity=intensity, min_duration=min_duration,
                              max_duration=max_duration, is_live=is_live)
    return ok(catalog.browse(catalog.all_classes(client_id), catalog.people(client_id), filters, sort, page, limit))


@app.get(f"{API}/content/classes/{{id}}")
def class_detail(tenant: ClientTenant,
                 id: str = Path(pattern=r"^[1-9][0-9]{0,7}$", description="The class id (digits only: "
                                "42, not 42.0)")) -> dict[str, Any]:  # noqa: A002
    client_id = tenant.id
    item = catalog.get_class(client_id, int(id))
    related = catalog.related(item, catalog.all_classes(client_id))
    return ok(catalog.detail(item, catalog.people(client_id), related))


@app.get(f"{API}/content/search", responses=errors("NO_DEFAULT_CLIENT"))
def search(tenant: ClientTenant, q: str = Query(min_length=1, max_length=200),
           limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    client_id = tenant.id
    return ok(catalog.search(catalog.all_classes(client_id), catalog.people(client_id), q, limit))


@app.get(f"{API}/content/categories", responses=errors("NO_DEFAULT_CLIENT"))
def categories(tenant: ClientTenant) -> dict[str, Any]:
    return ok({"categories": catalog.category_views(catalog.people(tenant.id))})


handler = Mangum(app, lifespan="off")
