"""Demo data for the local API: an open studio (the default client), a partner client that requires
vouchers, the universal key, vouchers, coaches, categories and classes. Ids are deterministic on a fresh
table, so the guide's `coachId: 5` and `classId: 42` name a coach and a class of the studio."""
from __future__ import annotations

from typing import Any

from shared import clock
from shared.domain import provisioning as p

STUDIO_COACHES = [
    ("Maya Chen", ["weight_loss", "endurance"], ["beginner", "intermediate"], 4.8),
    ("Marcus Reid", ["strength", "muscle_gain"], ["intermediate", "advanced"], 4.7),
    ("Sofia Alvarez", ["flexibility", "stress_relief"], ["beginner", "intermediate", "advanced"], 4.9),
    ("Jonas Berg", ["endurance", "general_fitness"], ["beginner"], 4.4),
    ("Priya Nair", ["weight_loss", "general_fitness"], ["beginner", "intermediate"], 4.6),
    ("Leo Duarte", ["strength"], ["advanced"], 4.5),
    ("Hana Sato", ["stress_relief", "flexibility"], ["beginner"], 4.3),
    ("Tom Okafor", ["muscle_gain", "strength"], ["beginner", "intermediate"], 4.2),
]
PARTNER_COACHES = [
    ("Ava Novak", ["weight_loss", "general_fitness"], ["beginner", "intermediate"], 4.6),
    ("Ben Cole", ["strength", "endurance"], ["intermediate", "advanced"], 4.4),
]
# Trainers with 1:1 services: (coach index, zone, weekly windows, services); windows are local wall-clock times.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
STUDIO_TRAINERS = [
    (4, "Europe/London", [(d, "09:00", "17:00") for d in WEEKDAYS], [
        dict(name="1:1 Weight-Loss Coaching", duration=60, price_minor=7500, currency="GBP", buffer_after=15,
             description="An hour of coached work on your plan, over video"),
        dict(name="Quick Check-in", duration=30, price_minor=3500, currency="GBP", late_penalty_type="credit_forfeit")]),
    (0, "America/New_York", [(d, "07:00", "12:00") for d in (*WEEKDAYS, "sat")], [
        dict(name="Endurance Coaching", duration=45, price_minor=9000, currency="USD", buffer_before=10,
             buffer_after=10, interval=15, description="Run and ride plans, reviewed live")]),
    (1, "Europe/London", [("tue", "17:00", "21:00"), ("thu", "17:00", "21:00"), ("sat", "08:00", "12:00")], [
        dict(name="Strength Session", duration=60, price_minor=6000, currency="GBP", mode="in_person")]),
    (2, "America/New_York", [("sat", "08:00", "14:00"), ("sun", "08:00", "14:00")], [
        dict(name="Mobility Flow", duration=60, price_minor=8000, currency="USD", late_cancel_allowed=False,
             free_cancel_minutes=720)]),
]
PARTNER_TRAINERS = [
    (0, "Europe/Berlin", [(d, "08:00", "16:00") for d in WEEKDAYS], [
        dict(name="Personal Training", duration=60, price_minor=6500, currency="EUR")]),
]
PLATFORM_ADMIN = ("platform@stvos.example", "platform-admin-pass")
PARTNER_STAFF = [("owner@fitcobenefits.example", "fitco-owner-pass", "Olivia Owner", "owner"),
                 ("manager@fitcobenefits.example", "fitco-manager-pass", "Manny Manager", "manager"),
                 ("viewer@fitcobenefits.example", "fitco-viewer-pass", "Vic Viewer", "viewer")]
CATEGORIES = ["HIIT", "Yoga", "Strength", "Pilates", "Cardio"]
CLASS_NAMES = ["Hiit Blast", "Morning Flow", "Power Lift", "Core Burn", "Cardio Kick", "Stretch & Restore",
               "Tabata Turbo", "Sunset Yoga", "Dumbbell Basics", "Pilates Reformer", "Spin Sprint",
               "Mobility Reset", "Boxing Cardio", "Glute Lab", "Breathwork Calm"]
INTENSITY = ["high", "low", "high", "medium", "high", "low", "high", "low", "medium", "medium", "high",
             "low", "high", "medium", "low"]
CATEGORY_OF = [0, 1, 2, 3, 4, 1, 0, 1, 2, 3, 4, 1, 4, 2, 1]


def _coaches(client_id: str, specs: list[tuple[str, list[str], list[str], float]]) -> list[dict[str, Any]]:
    return [p.create_coach(client_id, name, specialties=spec, levels=levels, rating=rating,
                           bio=f"{name} coaches {', '.join(s.replace('_', ' ') for s in spec)}.")
            for name, spec, levels, rating in specs]


def _classes(client_id: str, coaches: list[dict[str, Any]], categories: list[dict[str, Any]],
             count: int) -> list[dict[str, Any]]:
    now = clock.now()
    made = []
    for i in range(count):
        base = i % len(CLASS_NAMES)
        round_no = i // len(CLASS_NAMES)
        name = CLASS_NAMES[base] + (f" {round_no + 1}" if round_no else "")
        is_live = i % 9 == 4
        made.append(p.create_class(
            client_id, name, trainer_id=coaches[i % len(coaches)]["id"],
            category_id=categories[CATEGORY_OF[base] % len(categories)]["id"],
            duration=[20, 30, 45, 15, 60][i % 5], intensity=INTENSITY[base],
            description=f"{name}: a {INTENSITY[base]}-intensity class with {coaches[i % len(coaches)]['name']}.",
            is_live=is_live, scheduled_at=clock.iso(now + 3600 * (6 + 20 * i)) if is_live else None,
            is_premium=i % 4 == 3, featured_rank=(i // 5 + 1) if i % 5 == 0 and i < 30 else None,
            published_at=clock.iso(now - 86400 * (1 + i if i < 6 else 10 + 3 * i)), views=(37 * i) % 500))
    return made


DEMO_PROFILE = {"age": 32, "gender": "female", "weight": 64, "height": 168, "fitnessLevel": "beginner",
                "goals": ["general_fitness", "flexibility"]}


def _demo_partner_portal(client_id: str, partner_id: str, classes: list[dict[str, Any]]) -> dict[str, Any]:
    """FitCo Benefits' portal: a spring campaign batch of 12 codes, 3 of them redeemed by members who then watched
    classes over the last days (real registrations and heartbeats, the clock walked back and forth), 1 revoked."""
    from shared.domain import accounts, partner_vouchers, viewing
    from shared.auth.principal import Caller

    batch = partner_vouchers.create_batch(client_id, partner_id, "seed", quantity=12, prefix="SPRING",
                                          campaign="spring-flyer", expires_at=clock.iso(clock.now() + 90 * 86400))
    codes = [v["code"] for v in batch["vouchers"]]
    caller = Caller(client_id=client_id, user_id="", role="", key_id="seed", universal=False, token_exp=0,
                    token_iat_ms=0, source_ip="", request_id="seed")
    members = []
    for n, (name, code) in enumerate(zip(("Ravi Redeemer", "Rosa Runner", "Remy Rower"), codes)):
        registered = accounts.register(caller, f"spring{n + 1}@fitco.example", "fitco-spring-pass", name=name,
                                       voucher_code=code)
        members.append(registered["user"]["id"])
    for days_ago, member, klass, minutes in ((5, 0, 0, 12), (3, 1, 1, 8), (1, 0, 2, 20), (0, 2, 0, 6)):
        clock.advance(-days_ago * 86400)
        try:
            session = viewing.start(client_id, members[member], classes[klass]["id"], "tv")
            total = 60 * int(classes[klass]["duration"])
            for minute in range(1, minutes + 1):
                clock.advance(60)
                viewing.heartbeat(client_id, members[member], session["id"], min(60 * minute, total), total)
            if days_ago:  # the older sessions were finished; today's is still open (its credit of this hour too)
                viewing.complete(client_id, members[member], session["id"])
            clock.advance(-60 * minutes)
        finally:
            clock.advance(days_ago * 86400)
    partner_vouchers.revoke(client_id, partner_id, codes[3], "seed")
    return {"batchId": batch["batchId"], "redeemed": codes[:3], "revoked": codes[3:4], "unused": codes[4:]}


def _demo_group_classes(client_id: str, coaches: list[dict[str, Any]], member_id: str) -> dict[str, Any]:
    """A week of group classes from tomorrow (one nearly full, one full with a waitlist, one live video), two
    programmes, and the demo member following one of them."""
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from shared.domain import accounts, group_classes, programmes

    regulars = [accounts.create_member(client_id, f"regular{n}@zenflow.example", f"zen-regular-{n}-pass",
                                       name=f"Regular {n}")["id"] for n in range(1, 5)]
    london = ZoneInfo("Europe/London")
    tomorrow = datetime.now(london).date() + timedelta(days=1)
    plan = [("Morning Flow", 0, 9, 20, "in_person"), ("Lunchtime HIIT", 1, 12, 4, "in_person"),
            ("Strength Circuit", 2, 18, 3, "in_person"), ("Live Pilates", 3, 19, 30, "live_video"),
            ("Sunrise Yoga", 4, 7, 15, "in_person"), ("Boxing Basics", 5, 10, 12, "in_person"),
            ("Sunday Stretch", 6, 17, 25, "live_video")]
    made = []
    for n, (name, day, hour, capacity, mode) in enumerate(plan):
        local_start = datetime.combine(tomorrow + timedelta(days=day), datetime.min.time(), london).replace(hour=hour)
        made.append(group_classes.create_class(
            client_id, trainer_id=int(coaches[n % len(coaches)]["id"]), name=name, mode=mode, capacity=capacity,
            starts_at=int(local_start.astimezone(timezone.utc).timestamp()), duration=45, time_zone="Europe/London",
            category="HIIT" if "HIIT" in name else None, description=f"{name} with the studio's coaches"))
    nearly_full, full = made[1], made[2]
    for user_id in regulars[:3]:
        group_classes.join(client_id, user_id, int(nearly_full["id"]))
    for user_id in [*regulars, member_id]:
        group_classes.join(client_id, user_id, int(full["id"]))  # 3 booked, then 2 on the waitlist
    strong = programmes.create_programme(
        client_id, trainer_id=int(coaches[4]["id"]), name="Strong in Six", description="Six weeks of progressive "
        "full-body strength", duration_weeks=6, sessions_per_week=3, level="beginner", price=49.0, currency="GBP",
        weeks=[{"week": w, "sessions": [{"day": d, "name": f"Full body {'AB'[(w + i) % 2]}",
                                         "description": "Squat, hinge, push, pull"} for i, d in
                                        enumerate(("mon", "wed", "fri"))]} for w in range(1, 7)])
    calm = programmes.create_programme(
        client_id, trainer_id=int(coaches[0]["id"]), name="Calm Mornings", description="Four weeks of daily "
        "mobility and breathing", duration_weeks=4, sessions_per_week=5, level="beginner", price=19.0,
        currency="GBP", pause_policy={"maxPauses": 3, "maxPausedDays": 14})
    programmes.subscribe(client_id, member_id, int(strong["id"]), None)
    return {"groupClasses": [{"id": int(c["id"]), "name": c["name"], "capacity": int(c["capacity"])} for c in made],
            "programmes": [{"id": int(x["id"]), "name": x["name"]} for x in (strong, calm)]}


def _demo_plans_and_progress(client_id: str, user_id: str) -> None:
    """The studio's demo member: active workout, nutrition and class plans that began last Monday, and a week of
    workouts, meals and water logged (from the exercise and recipe libraries in data/)."""
    from datetime import date, timedelta

    from shared.domain import plans, progress

    today = date.fromtimestamp(clock.now())
    start = today - timedelta(days=today.weekday() + 7)
    workout = plans.save(client_id, user_id, "workout",
                         {**DEMO_PROFILE, "workoutDays": ["mon", "wed", "fri"], "sessionDuration": 40,
                          "equipment": ["dumbbells", "yoga_mat"]}, {"daysPerWeek": 3, "duration": "8 weeks"},
                         start.isoformat())["workoutPlan"]
    food = plans.save(client_id, user_id, "nutrition", {**DEMO_PROFILE, "dietaryRestrictions": ["vegetarian"]},
                      {"mealTypes": ["breakfast", "lunch", "dinner"], "duration": "4 weeks"},
                      start.isoformat())["nutritionPlan"]
    plans.save(client_id, user_id, "class", {**DEMO_PROFILE, "availableDays": ["tue", "thu", "sat"]},
               {"daysPerWeek": 2, "duration": "8 weeks", "sessionDuration": 45}, start.isoformat())
    for back in range(6, -1, -1):
        day = today - timedelta(days=back)
        index = (day - start).days
        for glass in range(3):
            progress.add_log(client_id, user_id, "water", {"date": day.isoformat(), "amountMl": 500,
                                                           "clientLogId": f"demo-{day:%Y%m%d}-water-{glass}"})
        for meal in food["days"][index % food["durationDays"]]["meals"][:2]:
            progress.add_log(client_id, user_id, "nutrition", {
                "date": day.isoformat(), "mealType": meal["mealType"], "name": meal["name"],
                "calories": meal["calories"], "proteinG": meal["proteinG"], "carbsG": meal["carbsG"],
                "fatG": meal["fatG"], "clientLogId": f"demo-{day:%Y%m%d}-{meal['mealType']}"})
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
        session = next((d for d in workout["weeks"][index // 7]["days"] if d["day"] == weekday), None)
        if session:
            progress.add_log(client_id, user_id, "workout", {
                "date": day.isoformat(), "name": session["name"], "durationMinutes": session["estimatedMinutes"],
                "planId": workout["id"], "planWeek": index // 7 + 1, "planDay": weekday, "perceivedExertion": 6,
                "exercises": [{"exerciseId": e["exerciseId"], "name": e["name"],
                               "sets": [{"reps": None, "weightKg": None, "durationSec": None, "rpe": None}]}
                              for e in session["exercises"]],
                "clientLogId": f"demo-{day:%Y%m%d}-workout"})


def _trainers(client_id: str, coaches: list[dict[str, Any]], specs: list[Any]) -> list[dict[str, Any]]:
    """Schedules and services for some coaches: [{id, name, timeZone, services: [{id, name, duration}]}]."""
    from shared.domain import trainers

    made = []
    for index, zone, windows, services in specs:
        coach = coaches[index]
        trainers.put_schedule(client_id, coach["id"], zone, [{"day": d, "start": a, "end": b} for d, a, b in windows])
        items = [trainers.create_service(client_id, coach["id"], **spec) for spec in services]
        made.append({"id": coach["id"], "name": coach["name"], "timeZone": zone, "clientId": client_id,
                     "services": [{"id": i["id"], "name": i["name"], "duration": i["duration"]} for i in items]})
    return made


def _demo_bookings(client_id: str, user_id: str, trainer: dict[str, Any]) -> list[str]:
    """Two upcoming sessions of the demo member with the first trainer (the next free slots)."""
    from shared.domain import bookings

    service = trainer["services"][0]["id"]
    slots = bookings.availability(client_id, trainer["id"], service, None, None)["slots"]  # a week: 5 workdays
    return [bookings.book(client_id, user_id, trainer["id"], service, slot["id"], "Demo booking")["id"]
            for slot in slots[1:4:2]]


def seed() -> dict[str, Any]:
    """Create the demo tenants and return what `.local/demo.json` holds."""
    studio = p.create_client("Zen Flow Studio", client_id="zen-flow-studio", is_default=True,
                             branding={"primaryColor": "#0F766E", "secondaryColor": "#CCFBF1",
                                       "accentColor": "#F59E0B"},
                             features={"workout_builder": True, "nutrition": True, "coach_connect": True})
    partner_client = p.create_client("FitCo Wellness", client_id="fitco-wellness", requires_voucher=True,
                                     branding={"primaryColor": "#7C3AED", "accentColor": "#22D3EE"},
                                     features={"coach_connect": True})
    partner = p.create_partner(partner_client["id"], "FitCo Benefits", partner_id="fitco-benefits")

    studio_key, _ = p.issue_api_key(studio["id"], label="demo studio app")
    partner_key, _ = p.issue_api_key(partner_client["id"], label="demo partner app")
    universal_key, _ = p.issue_api_key(None, label="demo universal", universal=True)

    studio_coaches = _coaches(studio["id"], STUDIO_COACHES)
    partner_coaches = _coaches(partner_client["id"], PARTNER_COACHES)
    from shared.domain import voice  # the studio's Hume EVI configs: a default and two coaches of its own

    voice.set_default_config(studio, "studio-default-evi-config", 1, True, "seed", role="platform_admin")
    voice.upsert_trainer_configs(studio, [
        {"trainerId": studio_coaches[0]["id"], "configId": "maya-chen-evi-config", "configVersion": 1},
        {"trainerId": studio_coaches[4]["id"], "configId": "priya-nair-evi-config", "configVersion": 2}], "seed",
        role="platform_admin")
    studio_categories = [p.create_category(studio["id"], name, sort_order=i) for i, name in enumerate(CATEGORIES)]
    partner_categories = [p.create_category(partner_client["id"], name, sort_order=i)
                          for i, name in enumerate(CATEGORIES[:2])]
    studio_classes = _classes(studio["id"], studio_coaches, studio_categories, 45)
    partner_classes = _classes(partner_client["id"], partner_coaches, partner_categories, 10)

    # The guide's own code: shared by every reader of the guide, so it is good for many registrations.
    voucher_items = [p.create_voucher(partner_client["id"], partner_id=partner["id"], code="STUDIO-ABC123",
                                      max_redemptions=1000)]
    voucher_items += [p.create_voucher(partner_client["id"], partner_id=partner["id"], prefix="STUDIO")
                      for _ in range(4)]
    voucher_items += [p.create_voucher(studio["id"], prefix="ZEN") for _ in range(2)]

    from shared.domain import accounts  # demo accounts with known development passwords

    demo_users = [(studio["id"], "member@zenflow.example", "zen-member-pass", "Zoe Member", "user", None),
                  (studio["id"], "admin@zenflow.example", "zen-admin-pass", "Zack Admin", "client_admin", None),
                  (partner_client["id"], "member@fitco.example", "fitco-member-pass", "Fay Member", "user",
                   partner["id"])]
    user_items = [accounts.create_member(client_id, email, password, name=name, role=role, partner_id=partner_id)
                  for client_id, email, password, name, role, partner_id in demo_users]

    _demo_plans_and_progress(studio["id"], user_items[0]["id"])
    demo_trainers = _trainers(studio["id"], studio_coaches, STUDIO_TRAINERS) + \
        _trainers(partner_client["id"], partner_coaches, PARTNER_TRAINERS)
    booking_ids = _demo_bookings(studio["id"], user_items[0]["id"], demo_trainers[0])
    from shared.domain import trainer_portal  # Priya Nair's own account for the trainer portal

    trainer_users = [("trainer@zenflow.example", "zen-trainer-pass", demo_trainers[0])]
    for email, password, trainer in trainer_users:
        account = accounts.create_member(studio["id"], email, password, name=trainer["name"], role="trainer")
        trainer_portal.link_user(studio["id"], account["id"], trainer["id"])
    from shared.domain import trainer_invites  # an invitation for the New York trainer to open their account

    invites = [trainer_invites.create(studio["id"], demo_trainers[1]["id"], days=trainer_invites.MAX_DAYS,
                                      invited_by="seed")]
    schedule = _demo_group_classes(studio["id"], studio_coaches, user_items[0]["id"])

    portal = _demo_partner_portal(partner_client["id"], partner["id"],
                                  [c for c in partner_classes if not c["isLive"]])
    # The platform's own admin (the admin API for every client), signed in with the studio's key.
    platform_admin = accounts.create_member(studio["id"], PLATFORM_ADMIN[0], PLATFORM_ADMIN[1], name="Pat Platform",
                                            role="platform_admin")
    from shared.domain import partner_staff  # FitCo Benefits' portal logins, one of each role

    staff = [(partner_staff.create_staff(partner_client["id"], partner["id"], email, password, name=name, role=role),
              password) for email, password, name, role in PARTNER_STAFF]

    def client_view(c: dict[str, Any], key: str) -> dict[str, Any]:
        return {"id": c["id"], "name": c["name"], "apiKey": key, "requiresVoucher": c["requiresVoucher"]}

    return {
        "baseUrl": None,
        "apiKeys": {"studio": studio_key, "partner": partner_key, "universal": universal_key},
        "users": [{"email": email, "password": password, "role": role, "clientId": client_id, "id": item["id"]}
                  for (client_id, email, password, _, role, _), item in zip(demo_users, user_items)],
        "clients": {"studio": client_view(studio, studio_key), "partner": client_view(partner_client, partner_key)},
        "partner": {"id": partner["id"], "name": partner["name"], "clientId": partner_client["id"]},
        "partnerPortal": portal,
        "platformAdmin": {"email": PLATFORM_ADMIN[0], "password": PLATFORM_ADMIN[1], "clientId": studio["id"],
                          "id": platform_admin["id"]},
        "partnerStaff": [{"email": item["email"], "password": password, "role": item["role"], "id": item["id"],
                          "partnerId": item["partnerId"], "clientId": item["clientId"]} for item, password in staff],
        "vouchers": [{"code": v["code"], "clientId": v["clientId"], "partnerId": v["partnerId"],
                      "expiresAt": v["expiresAt"]} for v in voucher_items],
        "coaches": [{"id": c["id"], "name": c["name"], "clientId": c["clientId"], "specialties": c["specialties"],
                     "levels": c["levels"]} for c in studio_coaches + partner_coaches],
        "categories": [{"id": c["id"], "name": c["name"], "clientId": c["clientId"]}
                       for c in studio_categories + partner_categories],
        "classes": [{"id": c["id"], "name": c["name"], "clientId": c["clientId"], "isLive": c["isLive"],
                     "featured": c["featuredRank"] is not None, "duration": c["duration"]}
                    for c in studio_classes + partner_classes],
        "trainers": demo_trainers,
        "trainerUsers": [{"email": email, "password": password, "trainerId": trainer["id"]}
                         for email, password, trainer in trainer_users],
        "trainerInvites": [{k: i[k] for k in ("code", "clientId", "trainerId", "expiresAt")} for i in invites],
        "bookings": [{"id": b, "clientId": studio["id"], "userEmail": demo_users[0][1]} for b in booking_ids],
        **schedule,
    }
