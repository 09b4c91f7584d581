"""Typeform form responses → NpsResponded, signed with Typeform-Signature: sha256=<base64>."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from services.common.models.events import NpsResponded
from services.ingest.logic.sources.typeform import Typeform
from tests.fakes import FakePublisher
from tests.unit.sources.conftest import b64, fixture, ignored, mac, refused, request, service

SECRET = "tf-webhook-secret"
SECRETS = {Typeform.secret_key: SECRET}
SOFIA = fixture("typeform", "form-response-promoter-sofia.json")
LARS = fixture("typeform", "form-response-email-question-lars.json")
OPTIONS = {"nps_field_ref": "nps_score", "comment_field_ref": "nps_reason"}


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    # As Typeform's docs describe: base64 of the HMAC-SHA256 of the raw body, prefixed "sha256=".
    return {"content-type": "application/json", "typeform-signature": "sha256=" + b64(mac(secret, body))}


def _accept(bus: FakePublisher, body: bytes, options: dict[str, Any] | None = None, headers: dict | None = None):
    source = Typeform(**(OPTIONS if options is None else options))
    return service(source, SECRETS, bus).accept(
        request("typeform", body, _signed(body) if headers is None else headers)
    )


def _edit(body: bytes, change) -> bytes:
    payload = json.loads(body)
    change(payload["form_response"])
    return json.dumps(payload).encode()


def test_signed_promoter_with_hidden_email_becomes_nps_responded(bus):
    # Given Sofia's 10 with a comment, her email in the hidden field "email", correctly signed
    # When it is accepted
    result = _accept(bus, SOFIA)
    # Then NpsResponded for Brightwater and Sofia's contact, keyed on the response token
    assert result.status == 202, result.body
    [event] = bus.published
    assert (event.account_id, event.source, event.type) == ("acc-brightwater", "typeform", "NpsResponded")
    assert isinstance(event.data, NpsResponded)
    assert (event.data.score, event.data.contact_id) == (10, "con-sofia-marchetti")
    assert event.source_event_id == "7f3b9c1e2d4a6b8c0e1f3a5b7c9d1e2f"
    assert event.data.response_id == event.source_event_id
    assert event.data.respondent_email == "sofia.marchetti@brightwater-coldchain.example"
    assert (event.data.comment or "").startswith("Temperature excursions")
    assert event.data.survey == "typeform:pQ7xNps1"
    assert event.occurred_at == datetime(2026, 11, 22, 9, 42, 31, tzinfo=UTC)


def test_email_question_by_ref(bus):
    # Given Lars's 9 on an opinion scale, his email in an email question, and email_field_ref set
    result = _accept(bus, LARS, {"nps_field_ref": "nps_score", "email_field_ref": "work_email"})
    # Then NpsResponded for Nordlys, email lower-cased, no comment
    assert result.status == 202, result.body
    [event] = bus.published
    assert (event.account_id, event.data.contact_id, event.data.score) == ("acc-nordlys", "con-lars-nygaard", 9)
    assert event.data.comment is None


def test_email_question_found_without_a_ref(bus):
    # Given only nps_field_ref: the form's email answer is used
    result = _accept(bus, LARS, {"nps_field_ref": "nps_score"})
    assert result.status == 202, result.body
    assert bus.published[0].account_id == "acc-nordlys"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"typeform-signature": "sha256=" + "A" * 44},
        {"typeform-signature": "garbage"},
        _signed(SOFIA, "another-secret"),
        {"typeform-signature": _signed(SOFIA)["typeform-signature"].replace("sha256=", "")},
    ],
)
def test_missing_or_wrong_signature_is_401_and_nothing_is_published(bus, headers):
    # Given a delivery without a valid signature / When accepted / Then 401, bus empty
    result = _accept(bus, SOFIA, headers=headers)
    refused(result, bus, 401, "invalid_signature")


def test_signature_covers_the_raw_bytes(bus):
    # Given a body re-serialized after signing (same JSON, different bytes)
    reformatted = json.dumps(json.loads(SOFIA)).encode()
    # When accepted with the original signature / Then 401
    assert _accept(bus, reformatted, headers=_signed(SOFIA)).status == 401


def test_duplicate_delivery_gives_the_same_event_id(bus):
    # Given the same response delivered twice (Typeform retries)
    first = _accept(bus, SOFIA)
    second = _accept(bus, SOFIA)
    # Then both map to one event id
    assert first.body["event_ids"] == second.body["event_ids"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty body"),
        (json.dumps({"form_response": {}}).encode(), "event_type"),
        (_edit(SOFIA, lambda r: r.pop("token")), "token"),
        (_edit(SOFIA, lambda r: r.update(submitted_at="2026-11-22T09:42:31")), "submitted_at"),
        (_edit(SOFIA, lambda r: r.update(answers=[{"field": {}}])), "answers"),
    ],
)
def test_malformed_body_is_400(bus, body, fragment):
    result = _accept(bus, body)
    assert fragment in refused(result, bus, 400, "malformed_payload")


def test_without_nps_field_ref_it_is_422_with_the_fix(bus):
    # Given default options (no nps_field_ref) / When accepted / Then 422 naming the option
    result = _accept(bus, SOFIA, {})
    assert "nps_field_ref" in refused(result, bus, 422, "unmappable")


def test_missing_nps_answer_is_422(bus):
    # Given a response where the NPS question was skipped
    body = _edit(SOFIA, lambda r: r.update(answers=[a for a in r["answers"] if a["field"]["ref"] != "nps_score"]))
    result = _accept(bus, body)
    assert result.status == 422
    assert "nps_score" in result.body["message"]


def test_score_outside_0_to_10_is_422(bus):
    body = _edit(SOFIA, lambda r: r["answers"][0].update(number=42))
    result = _accept(bus, body)
    assert result.status == 422
    assert "0 to 10" in result.body["message"]


def test_no_email_is_422(bus):
    # Given no hidden email and no email question
    body = _edit(SOFIA, lambda r: r.update(hidden={}))
    result = _accept(bus, body)
    assert result.status == 422
    assert "email_hidden_field" in result.body["message"]


def test_unknown_respondent_is_422_not_guessed(bus):
    body = _edit(SOFIA, lambda r: r["hidden"].update(email="someone@unknown.example"))
    result = _accept(bus, body)
    assert (result.status, result.body["error"]) == (422, "unknown_account")


def test_form_outside_the_allow_list_is_ignored(bus):
    # Given forms = ["other"] / When Sofia's form responds / Then 200 ignored
    result = _accept(bus, SOFIA, {**OPTIONS, "forms": ["other"]})
    assert "pQ7xNps1" in ignored(result, bus)


def test_form_in_the_allow_list_is_accepted(bus):
    assert _accept(bus, SOFIA, {**OPTIONS, "forms": ["pQ7xNps1"]}).status == 202


def test_partial_response_is_ignored(bus):
    body = json.dumps({**json.loads(SOFIA), "event_type": "form_response_partial"}).encode()
    result = _accept(bus, body)
    assert result.status == 200
    assert "form_response_partial" in result.body["ignored"]


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"nps_field_ref": ""}, "nps_field_ref"),
        ({"nps_field_ref": "q", "comment_field_ref": "q"}, "different question"),
        ({"forms": [""]}, "forms"),
        ({"nps_ref": "q"}, "nps_ref"),
    ],
)
def test_invalid_options_raise_value_error(options, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        Typeform(**options)
    assert "[sources.typeform]" in str(info.value)


def test_defaults_build():
    source = Typeform()
    assert (source.name, source.secret_key, source.options.email_hidden_field) == (
        "typeform",
        "typeform_secret",
        "email",
    )
