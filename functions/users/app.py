"""GET, PUT, PATCH and DELETE /users/me: the signed-in member's own account (shared/domain/accounts.py)."""
from __future__ import annotations

from typing import Any

from mangum import Mangum

from shared.domain import accounts
from shared.domain.accounts import UpdateMeBody
from shared.http.app_factory import API, create_app, errors, ok
from shared.http.caller import UserCaller

app = create_app("users")


@app.get(f"{API}/users/me", responses=errors("NOT_FOUND"))
def get_me(caller: UserCaller) -> dict[str, Any]:
    return ok(accounts.me(caller))


@app.put(f"{API}/users/me", responses=errors("NOT_FOUND"))
def put_me(body: UpdateMeBody, caller: UserCaller) -> dict[str, Any]:
    return ok(accounts.update_me(caller, body))


@app.patch(f"{API}/users/me", responses=errors("NOT_FOUND"))
def patch_me(body: UpdateMeBody, caller: UserCaller) -> dict[str, Any]:
    return ok(accounts.update_me(caller, body))


@app.delete(f"{API}/users/me", responses=errors("NOT_FOUND"))
def delete_me(caller: UserCaller) -> dict[str, Any]:
    return ok(accounts.delete_me(caller))


handler = Mangum(app, lifespan="off")
