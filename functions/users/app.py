"""GET, PUT, PATCH and DELETE /users/me: the signed-in member's own account (shared/domain/accounts.py; the
deletion, resumable, in shared/domain/account_deletion.py)."""
from __future__ import annotations

from typing import Any

from mangum import Mangum

from shared.domain import account_deletion, accounts
from shared.domain.accounts import Name
from shared.http.app_factory import API, ApiModel, create_app, errors, ok
from shared.http.caller import UserCaller
from shared.http.envelope import Envelope, View, field
from shared.requests import ProfileIn, SettingsIn
from shared.views import UserView

app = create_app("users")


class UpdateMeBody(ApiModel):
    name: Name | None = None
    profile: ProfileIn | None = None
    settings: SettingsIn | None = None


class Deleted(View):
    deleted: bool = field(True)
    id: str = field("usr_3f9a0c1e2b4d5f6a7b8c9d0e", "The id of the account that was deleted")


@app.get(f"{API}/users/me", operation_id="getCurrentUser", response_model=Envelope.of(UserView),
         responses=errors("NOT_FOUND"))
def get_me(caller: UserCaller) -> dict[str, Any]:
    return ok(accounts.me(caller))


@app.put(f"{API}/users/me", operation_id="replaceCurrentUser", response_model=Envelope.of(UserView),
         responses=errors("NOT_FOUND"))
def put_me(body: UpdateMeBody, caller: UserCaller) -> dict[str, Any]:
    return ok(accounts.update_me(caller, body.model_dump(exclude_unset=True)))


@app.patch(f"{API}/users/me", operation_id="updateCurrentUser", response_model=Envelope.of(UserView),
           responses=errors("NOT_FOUND"))
def patch_me(body: UpdateMeBody, caller: UserCaller) -> dict[str, Any]:
    return ok(accounts.update_me(caller, body.model_dump(exclude_unset=True)))


@app.delete(f"{API}/users/me", operation_id="deleteCurrentUser", response_model=Envelope.of(Deleted),
            responses=errors("NOT_FOUND"),
            description="Deletes the account and everything of it, for good. Idempotent: a call that timed out "
                        "half-way is finished by calling again with the same token (the account stays unusable "
                        "meanwhile); once the deletion is complete the token is refused (401).")
def delete_me(caller: UserCaller) -> dict[str, Any]:
    return ok(account_deletion.delete_account(caller.client_id, caller.user_id, request_id=caller.request_id))


handler = Mangum(app, lifespan="off")
