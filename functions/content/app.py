"""Content: the home screen (discover), browsing, class detail, search and categories; playback URLs
(`GET /video/access/{classId}`, after the entitlement check of shared/domain/video_access.py)."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import Path, Query
from mangum import Mangum

from shared.domain import catalog, video_access, viewing
from shared.http.app_factory import API, create_app, errors, ok
from shared.http.caller import ClientTenant, UserCaller
from shared.http.envelope import Envelope, Instant, Number, View, field
from shared.views import CategoryView, ClassCard, Pagination

app = create_app("content")


class ContinueCard(ClassCard):
    """A class the member started and has not finished, where they left it."""
    sessionId: str = field("ses_019c2f4e8a10b7e1c2d3a4f5", "The session that left off here")
    progressSeconds: int = field(540)
    totalDurationSeconds: int = field(1800)
    progressPercent: Number = field(30.0, "0-100")
    lastWatchedAt: Instant = field("2026-02-28T12:09:00Z")


class Discover(View):
    """The home screen's shelves."""
    featured: list[ClassCard] = field([], "Editorially highlighted classes, in the studio's order")
    continueWatching: list[ContinueCard] = field([], "Started, not finished, newest first, one per class")
    upcomingLive: list[ClassCard] = field([], "Live classes that have not ended, soonest first")
    categories: list[CategoryView] = field([], "The client's active categories")
    newThisWeek: list[ClassCard] = field([], "Classes published in the last 7 days, newest first")


class ClassPage(View):
    items: list[ClassCard] = field([], "One page of classes")
    pagination: Pagination
    nextCursor: str | None = field("eyJhZnRlciI6Ik4jMjAyNi0wMi0yMFQwODowMDowMFojMDAwMDAwNDIiLCJwYWdlIjoyfQ",
                                   "Pass as `cursor` for the next page; null on the last. A page shorter than "
                                   "`limit` with a cursor stopped at the read budget of a narrow filter: follow it")


class ClassTrainer(View):
    id: int = field(5)
    name: str = field("Priya Nair")
    image: str | None = field("https://cdn.studiostv.net/coaches/5.jpg")
    bio: str = field("Weight-loss and general fitness coach")
    specialties: list[str] = field(["weight_loss", "general_fitness"])


class CategoryDetail(View):
    id: int = field(2)
    name: str = field("Yoga")
    image: str | None = field("https://cdn.studiostv.net/categories/yoga.jpg")


class ClassDetail(ClassCard):
    """A class with its description, its trainer and category in full, and related classes."""
    trainer: ClassTrainer | None = field(None, "The coach who teaches it")  # type: ignore[assignment]
    category: CategoryDetail | None = field(None)  # type: ignore[assignment]
    description: str = field("A gentle flow to start the day")
    publishedAt: Instant | None = field("2026-02-20T08:00:00Z")
    views: int = field(120, "How many times it was started")
    relatedClasses: list[ClassCard] = field([], "Same category first, then same trainer")


class VideoAccess(View):
    """Where to play a class, for a while."""
    classId: int = field(42)
    isPremium: bool = field(False)
    url: str = field("https://cdn.studiostv.net/t/1772283600/3q2-7wVk1xJzZ0Rk0bJm0Qm1aQx7nq9C6o5m3l0Jb2s/classes/42/"
                     "index.m3u8", "An HLS playlist, signed: its segments share the signed prefix. Do not "
                     "store it; ask again after expiresAt")
    expiresAt: Instant = field("2026-02-28T13:00:00Z", "The class's length plus 15 minutes from now")


class SearchHit(ClassCard):
    score: Number = field(12.0, "Relevance: higher is better")


class SearchResults(View):
    query: str = field("yoga")
    total: int = field(9, "Matches in all")
    items: list[SearchHit] = field([], "The best `limit` matches, best first")


class Categories(View):
    categories: list[CategoryView] = field([], "Active categories, in the studio's order")


@app.get(f"{API}/content/discover", operation_id="getDiscover", response_model=Envelope.of(Discover))
def discover(caller: UserCaller) -> dict[str, Any]:
    entries = viewing.continue_watching_entries(caller.client_id, caller.user_id)
    return ok(catalog.discover(caller.client_id, entries))


@app.get(f"{API}/content/classes", operation_id="listClasses", response_model=Envelope.of(ClassPage),
         responses=errors("NO_DEFAULT_CLIENT"))
def list_classes(
    tenant: ClientTenant,
    category: str | None = Query(None, min_length=1, max_length=100),
    trainer: int | None = Query(None, ge=1),
    intensity: Literal["low", "medium", "high"] | None = Query(None),
    min_duration: int | None = Query(None, alias="minDuration", ge=0, le=1440),
    max_duration: int | None = Query(None, alias="maxDuration", ge=0, le=1440),
    is_live: bool | None = Query(None, alias="isLive"),
    sort: Literal["newest", "popular", "duration", "name"] = Query("newest", description="`popular` orders by "
                                                                   "views rounded down to one significant digit"),
    page: int = Query(1, ge=1, le=catalog.MAX_BROWSE_PAGE,
                      description=f"Pages 1-{catalog.MAX_BROWSE_PAGE} (a page reads the pages before it); further "
                                  "on, follow `nextCursor`"),
    limit: int = Query(20, ge=1, le=100),
    cursor: str | None = Query(None, min_length=1, max_length=512, pattern=r"^[A-Za-z0-9_-]+$",
                               description="`nextCursor` of the previous page with the same filters and sort, as "
                                           "given; it takes precedence over `page`"),
) -> dict[str, Any]:
    client_id = tenant.id
    filters = catalog.Filters(category=category, trainer=trainer, intensity=intensity, min_duration=min_duration,
                              max_duration=max_duration, is_live=is_live)
    return ok(catalog.browse(client_id, catalog.people(client_id), filters, sort, page, limit, cursor))


@app.get(f"{API}/content/classes/{{id}}", operation_id="getClass", response_model=Envelope.of(ClassDetail))
def class_detail(tenant: ClientTenant,
                 id: str = Path(pattern=r"^[1-9][0-9]{0,7}$", description="The class id (digits only: "
                                "42, not 42.0)")) -> dict[str, Any]:
    client_id = tenant.id
    item = catalog.get_class(client_id, int(id))
    related = catalog.related(client_id, item)
    return ok(catalog.detail(item, catalog.people(client_id), related))


@app.get(f"{API}/content/search", operation_id="searchClasses", response_model=Envelope.of(SearchResults),
         responses=errors("NO_DEFAULT_CLIENT"))
def search(tenant: ClientTenant, q: str = Query(min_length=1, max_length=200),
           limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    client_id = tenant.id
    return ok(catalog.search(client_id, catalog.people(client_id), q, limit))


@app.get(f"{API}/video/access/{{classId}}", operation_id="getVideoAccess", response_model=Envelope.of(VideoAccess),
         responses=errors("PREMIUM_REQUIRED"),
         description="A short-lived signed playback URL of a class of the member's client. A premium class plays "
                     "only when the client's plan or the member's voucher grants premium content (else 403 "
                     "PREMIUM_REQUIRED). Catalog answers carry no video URL: ask here when playback starts.")
def video_access_url(caller: UserCaller,
                     classId: str = Path(pattern=r"^[1-9][0-9]{0,7}$",
                                         description="The class id (digits only)")) -> dict[str, Any]:
    return ok(video_access.access(caller.client_id, caller.user_id, int(classId), request_id=caller.request_id))


@app.get(f"{API}/content/categories", operation_id="listCategories", response_model=Envelope.of(Categories),
         responses=errors("NO_DEFAULT_CLIENT"))
def categories(tenant: ClientTenant) -> dict[str, Any]:
    return ok({"categories": catalog.category_views(catalog.people(tenant.id))})


handler = Mangum(app, lifespan="off")
