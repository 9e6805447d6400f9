"""Request models that more than one function validates with (the sign-in bodies of members and partner staff,
the member's profile and settings): like shared/views.py for answers. A model one function alone reads lives
in that function's app.py; the rules behind the fields (emails, names, time zones) are the domain's."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from shared.domain import text
from shared.domain.accounts import FitnessGoal, FitnessLevel, time_zone
from shared.http.app_factory import ApiModel


class ProfileIn(ApiModel):
    age: int | None = Field(None, ge=13, le=100)
    gender: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
                      AfterValidator(text.display_text),
                      Field(json_schema_extra={"pattern": text.DISPLAY_TEXT_PATTERN})] | None = None
    height: float | None = Field(None, ge=100, le=250, description="centimetres")
    weight: float | None = Field(None, ge=30, le=300, description="kilograms")
    fitnessGoal: FitnessGoal | None = None
    fitnessLevel: FitnessLevel | None = None
    workoutsPerWeek: int | None = Field(None, ge=0, le=14)


class SettingsIn(ApiModel):
    notifications: bool | None = None
    timeZone: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+:/-]{0,63}$"),
                        AfterValidator(time_zone)] | None = Field(
        None, description="IANA time zone of the member's days (plans, progress); null: the studio's, else UTC")


class RefreshBody(ApiModel):
    refreshToken: Annotated[str, Field(min_length=1, max_length=4096)]


class LogoutBody(ApiModel):
    refreshToken: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    allDevices: bool = False
