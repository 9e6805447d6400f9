"""Onboarding session ids are bearer secrets: the server makes them when the app does not, reading a profile
back needs the resume token of its creation, answers to others never show the stored body data, and an
address that probes unknown ids is throttled. The guide's calls keep working as written
(tests/e2e/test_onboarding_flow.py)."""
from __future__ import annotations

import re
import secrets
from concurrent.futures import ThreadPoolExecutor

from shared.db import keys
from shared.db.repository import get_repository


BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def test_given_no_session_id_when_saving_then_the_server_makes_an_unguessable_one_and_a_resume_token(api, demo):
    key = demo["apiKeys"]["studio"]
    # Given an app that lets the server choose, When it saves two profiles
    first = api.post("/onboarding/profile", {"age": 28, "weight": 65}, api_key=key)
    second = api.post("/onboarding/profile", {"age": 41}, api_key=key)
    # Then each answer names a new id of at least 128 random bits (base64url: 6 bits a character) and a token
    assert first.status == 201 and second.status == 201, first.json
    for reply in (first, second):
        session, token = reply.data["sessionId"], reply.data["resumeToken"]
        assert BASE64URL.match(session) and len(session) * 6 >= 128
        assert BASE64URL.match(token) and len(token) * 6 >= 128 and token != session
    assert first.data["sessionId"] != second.data["sessionId"]
    assert first.data["profile"]["weight"] == 65
    # and the session works for the rest of the wizard, and stores only the token's hash
    session = first.data["sessionId"]
    ranked = api.post("/onboarding/recommend-coaches", {"sessionId": session, "fitnessGoal": "strength"}, api_key=key)
    assert ranked.status == 200 and ranked.data["coaches"]
    item = get_repository().get(keys.onboarding(demo["clients"]["studio"]["id"], session), consistent=True)
    assert first.data["resumeToken"] not in str(item) and len(item["resumeTokenHash"]) == 64


def test_given_a_session_when_read_back_without_or_with_a_wrong_resume_token_then_nothing_is_shown(api, demo):
    key = demo["apiKeys"]["studio"]
    # Given a member's session with body data
    saved = api.post("/onboarding/profile", {"sessionId": f"mine-{secrets.token_hex(8)}", "age": 33,
                                             "height": 172, "weight": 70, "gender": "female"}, api_key=key)
    session, token = saved.data["sessionId"], saved.data["resumeToken"]
    # When someone holding only the public key and the id reads it back
    bare = api.fresh().get(f"/onboarding/profile/{session}", api_key=key)
    wrong = api.fresh().get(f"/onboarding/profile/{session}", api_key=key,
                            headers={"X-Resume-Token": secrets.token_urlsafe(24)})
    unknown = api.fresh().get(f"/onboarding/profile/never-{secrets.token_hex(8)}", api_key=key,
                              headers={"X-Resume-Token": token})
    # Then a missing token is a clear 400 naming the header, a wrong one the same 404 as an unknown id
    assert bare.status == 400 and bare.code == "VALIDATION_ERROR"
    assert [d["field"] for d in bare.json["details"]] == ["X-Resume-Token"]
    assert wrong.status == 404 and wrong.json == unknown.json
    assert "33" not in str(wrong.json) and "172" not in str(bare.json)
    # and its creator, with the token, reads it all
    mine = api.fresh().get(f"/onboarding/profile/{session}", api_key=key, headers={"X-Resume-Token": token})
    assert mine.status == 200 and mine.data["profile"]["height"] == 172


def test_given_a_known_id_when_a_stranger_merges_or_selects_then_the_answer_shows_no_stored_body_data(api, demo):
    key = demo["apiKeys"]["studio"]
    session = f"guessable-{secrets.token_hex(4)}-id"
    api.post("/onboarding/profile", {"sessionId": session, "age": 67, "height": 181, "weight": 97,
                                     "gender": "male"}, api_key=key)
    # When a stranger touches the session (no field) or chooses a coach for it
    touched = api.fresh().post("/onboarding/profile", {"sessionId": session}, api_key=key)
    merged = api.fresh().post("/onboarding/profile", {"sessionId": session, "name": "Eve"}, api_key=key)
    chosen = api.fresh().post("/onboarding/select-coach", {"sessionId": session, "coachId": 5}, api_key=key)
    # Then the answers carry only what that request sent, and never a resume token
    nothing = dict.fromkeys(("name", "age", "gender", "height", "weight", "fitnessGoal", "fitnessLevel",
                             "workoutsPerWeek"))
    assert touched.status == 200 and touched.data["profile"] == nothing
    assert merged.status == 200 and merged.data["profile"] == {**nothing, "name": "Eve"}
    assert chosen.status == 200 and chosen.data["profile"] == nothing and chosen.data["coachId"] == 5
    for reply in (touched, merged, chosen):
        assert reply.data.get("resumeToken") is None
        assert not {"67", "181", "97", "male"} & set(re.findall(r"\w+", str(reply.json)))  # none fits a timestamp


def test_given_an_address_probing_unknown_ids_then_after_ten_misses_it_is_throttled_and_others_are_not(api, demo,
                                                                                                     caplog):
    key = demo["apiKeys"]["studio"]
    prober, member = api.fresh(), api.fresh()
    saved = member.post("/onboarding/profile", {"age": 30}, api_key=key)
    session, token = saved.data["sessionId"], saved.data["resumeToken"]
    # When one address guesses ten unknown ids, through any of the lookups by id
    misses = [prober.post("/onboarding/recommend-coaches", {"sessionId": f"guess-{secrets.token_hex(8)}"},
                          api_key=key) for _ in range(5)]
    misses += [prober.get(f"/onboarding/profile/guess-{secrets.token_hex(8)}", api_key=key,
                          headers={"X-Resume-Token": token}) for _ in range(5)]
    assert [m.status for m in misses] == [404] * 10
    probes = [r for r in caplog.records if getattr(r, "securityEvent", "") == "onboarding_session_probe"
              and getattr(r, "sourceIp", "") == prober.source_ip]
    assert len(probes) == 10 and all("guess-" not in str(r.__dict__) for r in probes)  # ids only, never the secret
    # Then the next lookup from that address is refused with 429 and Retry-After, even for a real session
    refused = prober.post("/onboarding/select-coach", {"sessionId": session, "coachId": 5}, api_key=key)
    assert refused.status == 429 and refused.code == "RATE_LIMITED" and int(refused.header("Retry-After")) >= 1
    # while the member's own address still resumes, and more hits than the probe burst cost it nothing
    for _ in range(15):  # (within the address's general burst of 20)
        assert member.get(f"/onboarding/profile/{session}", api_key=key,
                          headers={"X-Resume-Token": token}).status == 200


def test_given_thirty_concurrent_guesses_from_one_address_then_at_most_ten_are_looked_up(api, demo):
    key = demo["apiKeys"]["studio"]
    prober = api.fresh()
    # When thirty guesses arrive at once from one address
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda _: prober.post("/onboarding/recommend-coaches",
                                                      {"sessionId": f"race-{secrets.token_hex(8)}"}, api_key=key),
                                range(30)))
    # Then the bucket is taken before each lookup: ten at most get an answer about the id, the rest 429
    statuses = sorted(r.status for r in replies)
    assert statuses.count(404) <= 10 and statuses.count(404) + statuses.count(429) == 30
