"""The success envelope and the base of every response model.

Every answer of every route is `Envelope.of(SomeView)`: `{"success": true, "data": <SomeView>}`. Routes declare it
with `response_model=Envelope.of(SomeView)`, so the OpenAPI document shows each field (type, nullability, an
example) and FastAPI validates what the handler returns before it leaves the function.

Rules for a view (a response model):
- every field is always present; one that may have no value is `X | None` and answers `null` (a field whose
  default is None is still listed as required: it is in every answer);
- unknown keys are refused, so a key a domain function adds without declaring it fails the tests with a 500
  instead of vanishing from the answer;
- each field says what it is (`description`) and gives an example (`examples`), the guide's where it has one.
Shared pieces (users, clients, class cards, pagination) are in shared/views.py; views used by one group only
live with that group's routes (functions/<group>/app.py).
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model


class View(BaseModel):
    """Base of every response model (see the module's rules)."""
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True, defer_build=True)


def field(example: Any, description: str = "", **constraints: Any) -> Any:
    """A required view field with its description and example (`x: int = field(42, "The class id")`)."""
    return Field(description=description or None, examples=[example], **constraints)


def optional(example: Any, description: str = "") -> Any:
    """A field some answers leave without a value: present in every answer, `null` when it does not apply."""
    return Field(None, description=description or None, examples=[example])


# A JSON number that keeps integers as integers (170 stays 170, 65.5 stays 65.5), documented as `number`.
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
# An ISO-8601 UTC instant as the API writes it: 2026-02-28T12:00:00Z.
Instant = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


class Envelope(View):
    """`{"success": true, "data": ...}`: every success answer. `Envelope.of(SessionAnswer)` is the envelope of
    one view, documented as `SessionAnswerEnvelope`."""
    success: Literal[True] = Field(description="Always true in a success answer")
    data: Any

    @classmethod
    def of(cls, view: type[BaseModel]) -> type[Envelope]:
        found = _ENVELOPES.get(view)
        if found is None:
            found = create_model(f"{view.__name__}Envelope", __base__=cls, __module__=view.__module__,
                                 __doc__=f"The success envelope of {view.__name__}.", data=(view, Field()))
            _ENVELOPES[view] = found
        return found


_ENVELOPES: dict[type[BaseModel], type[Envelope]] = {}
