"""Rate limits per caller: 21 quick requests from one address with one key and no bearer see a 429 with
Retry-After, while another address and a signed-in user go on unhindered. The clock stands still during each
burst (the `clock` fixture, frozen), so a slow machine cannot refill a bucket between two requests: the tests
count tokens, not seconds."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from shared.auth import tokens
from tests.support.http import Api, fresh_source_ip


def test_given_one_key_and_one_address_when_21_quick_requests_then_the_21st_is_limited(api, demo, clock):
    clock.freeze()
    key = demo["apiKeys"]["studio"]
    replies = [api.get("/app/config", api_key=key) for _ in range(21)]
    statuses = [r.status for r in replies]
    assert statuses[:20] == [200] * 20
    limited = replies[20]
    assert limited.status == 429
    assert limited.json["code"] == "RATE_LIMITED" and limited.json["success"] is False
    retry_after = limited.header("Retry-After")
    assert retry_after is not None and retry_after.isdigit() and int(retry_after) >= 1

    other_address = Api(f"http://{api.host}:{api.port}{api.prefix}", fresh_source_ip())
    assert other_address.get("/app/config", api_key=key).status == 200

    user_token, _ = tokens.issue("usr_ratelimit_probe", demo["clients"]["studio"]["id"], "user")
    assert api.get("/app/config", api_key=key, token=user_token).status == 200


def test_given_public_routes_when_one_address_floods_then_it_alone_is_limited(api, clock):
    clock.freeze()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: api.get("/health").status, range(26)))
    assert statuses.count(429) >= 1 and statuses.count(200) >= 20
    neighbour = Api(f"http://{api.host}:{api.port}{api.prefix}", fresh_source_ip())
    assert neighbour.get("/health").status == 200


def test_given_a_signed_in_user_then_the_bucket_follows_the_user_across_addresses(api, demo, clock):
    clock.freeze()
    key = demo["apiKeys"]["studio"]
    token, _ = tokens.issue("usr_roaming", demo["clients"]["studio"]["id"], "user")
    statuses = []
    for _ in range(21):
        roaming = Api(f"http://{api.host}:{api.port}{api.prefix}", fresh_source_ip())
        statuses.append(roaming.get("/app/config", api_key=key, token=token).status)
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
