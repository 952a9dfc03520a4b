"""Every event round-trips, every stored v1 payload still decodes, and unknown fields
(added by a newer producer) do not break an older consumer."""

import json
import uuid
from pathlib import Path

import msgspec
import pytest

from shared.contracts import ALL_EVENTS, Event, ResolvedHost, ResolveHost, decode_event, decode_reply, encode_event

STORED_V1 = json.loads((Path(__file__).parent / "payloads" / "v1.json").read_text())


def sample(event_type: type[Event]) -> Event:
    values = {}
    for field in msgspec.structs.fields(event_type):
        if field.required:
            if getattr(field.type, "__origin__", None) is list:
                values[field.name] = []
            else:
                values[field.name] = {str: "x", int: 7, bool: True, uuid.UUID: uuid.uuid4()}.get(field.type, "x")  # type: ignore[call-overload]
    return event_type(**values)


def test_subjects_are_unique_and_versioned() -> None:
    subjects = [event.subject() for event in ALL_EVENTS]
    assert len(subjects) == len(set(subjects)) >= 10
    for subject in subjects:
        context, _entity, _fact, version = subject.split(".")
        assert context in {"identity", "billing", "cms", "assets"} and version.startswith("v")


@pytest.mark.parametrize("event_type", ALL_EVENTS, ids=lambda e: e.subject())
def test_every_event_round_trips(event_type: type[Event]) -> None:
    event = sample(event_type)
    assert decode_event(encode_event(event)) == event
    assert json.loads(encode_event(event))["subject"] == event_type.subject()


@pytest.mark.parametrize("event_type", ALL_EVENTS, ids=lambda e: e.subject())
def test_a_stored_v1_payload_of_every_event_still_decodes(event_type: type[Event]) -> None:
    stored = STORED_V1[event_type.subject()]
    event = decode_event(json.dumps(stored).encode())
    assert type(event) is event_type
    assert str(event.tenant_id) == stored["tenant_id"]


def test_unknown_fields_from_newer_producers_are_ignored() -> None:
    stored = {**STORED_V1["billing.account.opened.v1"], "currency_hint": "EUR"}
    assert decode_event(json.dumps(stored).encode()).balance == 100  # type: ignore[attr-defined]


def test_an_unknown_subject_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError):
        decode_event(json.dumps({**STORED_V1["billing.account.opened.v1"], "subject": "billing.x.y.v9"}).encode())


def test_command_replies_decode_to_their_type_or_to_a_failure() -> None:
    command = ResolveHost(slug="nike")
    assert ResolveHost.decode(command.encode()) == command
    tenant = uuid.uuid4()
    assert decode_reply(command, msgspec.json.encode(ResolvedHost(tenant_id=tenant, slug="nike"))).tenant_id == tenant
    assert decode_reply(command, b'{"error": "boom", "code": "internal"}').error == "boom"


def test_every_command_round_trips() -> None:
    from shared.contracts import Command, ExportTenantData, ReserveCredits, VerifyApiKey

    tenant = uuid.uuid4()
    samples: list[Command] = [ResolveHost(slug="nike"), VerifyApiKey(tenant_id=tenant, key="sbk_x"),
                              ExportTenantData(tenant_id=tenant),
                              ReserveCredits(tenant_id=tenant, amount=3, reference="r", ledger_type="AI_EMBEDDING")]
    for command in samples:
        assert type(command).decode(command.encode()) == command
