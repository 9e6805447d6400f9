"""GET /app/config (key optional) and GET /app/join/{code} (public deep links)."""
from __future__ import annotations

from typing import Any

from fastapi import Path
from mangum import Mangum

from shared.db import keys
from shared.db.repository import get_repository
from shared.domain import clients, vouchers
from shared.errors import not_found
from shared.http.app_factory import API, create_app, ok
from shared.http.caller import AnyCaller

app = create_app("app")


@app.get(f"{API}/app/config")
def app_config(caller: AnyCaller) -> dict[str, Any]:
    client_id = caller.client_id or (clients.default_client_id() if caller.universal else "")
    return ok(clients.app_config(clients.get_client(client_id)))


@app.get(f"{API}/app/join/{{code}}")
def join(code: str = Path(max_length=64)) -> dict[str, Any]:
    voucher = vouchers.get_voucher(code)
    client = clients.get_client(voucher["clientId"]) if voucher else None
    if voucher is None or client is None:
        raise not_found("Voucher")
    valid, reason = vouchers.state(voucher)
    partner = get_repository().get(keys.partner(client["id"], voucher["partnerId"])) \
        if voucher.get("partnerId") else None
    return ok({
        "code": voucher["code"], "valid": valid, "reason": reason,
        "voucher": vouchers.public_view(voucher),
        "client": clients.summary(client),
        "partner": {"id": partner["id"], "name": partner["name"]} if partner else None,
        "deepLink": f"studiostv://join/{voucher['code']}",
    })




handler = Mangum(app, lifespan="off")
