"""Per-member encryption of personal fields: round trips, erasure, corrections, key wrapping."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.crypto import Cipher, CipherError, MemoryKeyStore, is_ciphertext, is_sealed
from events.schemas import data_of, load_event
from journey.events import EVENT_TYPES, personal_fields

MASTER = bytes(range(32))

# Valid data for every type that has personal fields, with those fields given.
PERSONAL_EXAMPLES = {
    "MemberRegistered": ({"member_id": "ana", "display_name": "Ana Petrović",
                          "email": "ana@example.org", "school": "OŠ 1",
                          "job_title": "pedagogue"}, "ana"),
    "ResourceReused": ({"community_id": "c", "resource_id": "r", "member_id": "ivan",
                        "note": "used it with 6th grade"}, "ivan"),
    "FeedbackGiven": ({"community_id": "c", "from_member_id": "ivan", "to_member_id": "ana",
                       "about_kind": "session", "about_id": "s", "text": "Great session"},
                      "ivan"),
    "ReflectionRecorded": ({"reflection_id": "rf", "member_id": "ana", "text": "Я научила…",
                            "visibility": "private"}, "ana"),
    "ActionStepCompleted": ({"community_id": "c", "plan_id": "p", "step_id": "st",
                             "member_ids": ["ana", "mila"], "outcome": "120 answers"}, "mila"),
    "RecognitionAwarded": ({"award_id": "aw", "community_id": "c", "member_id": "ivan",
                            "badge_id": "b", "awarded_by": "ana", "note": "well done"}, "ana"),
}


def owner_of(type_name: str, field_name: str, data: dict, actor: str) -> str:
    spec = personal_fields(EVENT_TYPES[type_name])[field_name]
    return actor if spec == "@actor" else data[spec]


@pytest.fixture
def keys() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
def cipher(keys) -> Cipher:
    return Cipher(MASTER, keys)


def test_every_type_with_personal_fields_has_an_example():
    assert set(PERSONAL_EXAMPLES) == {name for name, cls in EVENT_TYPES.items()
                                      if personal_fields(cls)}


@pytest.mark.parametrize("type_name", sorted(PERSONAL_EXAMPLES))
def test_round_trip_of_every_type_with_personal_fields(cipher, keys, type_name):
    data, actor = PERSONAL_EXAMPLES[type_name]
    data = data_of(load_event(type_name, data))
    original = dict(data)
    stored = cipher.encrypt_data(type_name, data, actor)
    assert data == original, "encrypt_data must not change its input"
    personal = personal_fields(EVENT_TYPES[type_name])
    for name, value in stored.items():
        if name in personal:
            assert is_ciphertext(value) and original[name] not in value
            assert owner_of(type_name, name, data, actor) in keys.wrapped
        else:
            assert value == original[name], "ids and community data stay clear"
    assert cipher.decrypt_data(type_name, stored, actor) == original
    # A new Cipher (another process) reads it through the key store alone.
    assert Cipher(MASTER, keys).decrypt_data(type_name, stored, actor) == original


def test_ciphertexts_differ_each_time_and_are_bound_to_field_and_owner(cipher):
    a = cipher.encrypt_value("text", "same words", "ana")
    assert a != cipher.encrypt_value("text", "same words", "ana")
    assert cipher.decrypt_value("text", a, "ana") == "same words"
    cipher.encrypt_value("text", "x", "ivan")  # ivan has a key too
    with pytest.raises(CipherError):
        cipher.decrypt_value("note", a, "ana")
    with pytest.raises(CipherError):
        cipher.decrypt_value("text", a, "ivan")
    tampered = a[:-4] + ("AAAA" if not a.endswith("AAAA") else "BBBB")
    with pytest.raises(CipherError):
        cipher.decrypt_value("text", tampered, "ana")


def test_a_forgotten_key_leaves_ciphertext(cipher, keys):
    data, actor = PERSONAL_EXAMPLES["MemberRegistered"]
    stored = cipher.encrypt_data("MemberRegistered", data, actor)
    cipher.forget("ana")
    assert "ana" not in keys.wrapped
    assert not cipher.has_key("ana")
    read = cipher.decrypt_data("MemberRegistered", stored, actor)
    assert read == stored
    assert is_ciphertext(read["display_name"]) and read["school"] == "OŠ 1"


def test_other_members_keep_their_keys_after_an_erasure(cipher):
    ana = cipher.encrypt_value("text", "ana's words", "ana")
    ivan = cipher.encrypt_value("text", "ivan's words", "ivan")
    cipher.forget("ana")
    assert cipher.decrypt_value("text", ana, "ana") == ana
    assert cipher.decrypt_value("text", ivan, "ivan") == "ivan's words"


def test_an_erasure_by_another_process_shows_once_the_cache_is_cleared(keys):
    writer, reader = Cipher(MASTER, keys), Cipher(MASTER, keys)
    stored = writer.encrypt_value("text", "words", "ana")
    assert reader.decrypt_value("text", stored, "ana") == "words"
    writer.forget("ana")
    reader.clear_cache()
    assert reader.decrypt_value("text", stored, "ana") == stored


def test_wrapped_keys_do_not_contain_the_raw_key(cipher, keys):
    cipher.encrypt_value("text", "x", "ana")
    wrapped = keys.wrapped["ana"]
    raw = cipher.unwrap("ana", wrapped)
    assert len(raw) == 32
    assert raw not in wrapped
    assert MASTER not in wrapped


def test_a_wrapped_key_copied_to_another_member_does_not_unwrap(cipher, keys):
    cipher.encrypt_value("text", "x", "ana")
    with pytest.raises(CipherError):
        cipher.unwrap("ivan", keys.wrapped["ana"])


def test_a_wrong_master_key_is_refused_loudly(cipher, keys):
    stored = cipher.encrypt_value("text", "x", "ana")
    with pytest.raises(CipherError):
        Cipher(os.urandom(32), keys).decrypt_value("text", stored, "ana")


def test_an_existing_key_is_never_replaced(keys):
    first, second = Cipher(MASTER, keys), Cipher(MASTER, keys)
    a = first.encrypt_value("text", "one", "ana")
    b = second.encrypt_value("text", "two", "ana")
    assert Cipher(MASTER, keys).decrypt_value("text", a, "ana") == "one"
    assert Cipher(MASTER, keys).decrypt_value("text", b, "ana") == "two"


def test_clear_text_and_absent_fields_pass_through(cipher):
    data = {"community_id": "c", "resource_id": "r", "member_id": "ivan"}
    assert cipher.decrypt_data("ResourceReused", data, "ivan") == data
    assert cipher.encrypt_data("ResourceReused", data, "ivan") == data
    legacy = {**data, "note": "written before encryption"}
    assert cipher.decrypt_data("ResourceReused", legacy, "ivan") == legacy


def test_corrections_of_personal_fields_are_encrypted_for_the_targets_owner(cipher):
    target, target_actor = PERSONAL_EXAMPLES["ReflectionRecorded"]
    correction = {"position": 5, "corrected_by": "ana",
                  "fields": {"text": "I learnt more", "prompt": "What changed?"},
                  "reason": "typo"}
    context = {"target_type": "ReflectionRecorded", "target_data": target,
               "target_actor": target_actor}
    stored = cipher.encrypt_data("EntryCorrected", correction, "ana", **context)
    assert is_ciphertext(stored["fields"]["text"])
    assert stored["fields"]["prompt"] == "What changed?"
    assert correction["fields"]["text"] == "I learnt more", "input untouched"
    assert cipher.decrypt_data("EntryCorrected", stored, "ana", **context) == correction
    cipher.forget("ana")
    assert cipher.decrypt_data("EntryCorrected", stored, "ana", **context) == stored


def test_corrections_of_actor_owned_fields_use_the_targets_actor(cipher):
    target, _ = PERSONAL_EXAMPLES["ActionStepCompleted"]
    correction = {"position": 9, "corrected_by": "fac", "fields": {"outcome": "130 answers"},
                  "reason": "recount"}
    context = {"target_type": "ActionStepCompleted", "target_data": target,
               "target_actor": "mila"}
    stored = cipher.encrypt_data("EntryCorrected", correction, "fac", **context)
    # Encrypted with mila's key (the writer of the outcome), not the corrector's.
    assert cipher.decrypt_value("outcome", stored["fields"]["outcome"], "mila") == "130 answers"
    assert cipher.decrypt_data("EntryCorrected", stored, "fac", **context) == correction


def test_a_correction_without_its_target_is_not_stored_in_clear(cipher):
    correction = {"position": 5, "corrected_by": "ana", "fields": {"text": "x"}, "reason": "r"}
    with pytest.raises(ValueError):
        cipher.encrypt_data("EntryCorrected", correction, "ana")
    # Reading one that holds no ciphertext needs no target.
    assert cipher.decrypt_data("EntryCorrected", correction, "ana") == correction


def test_the_master_key_must_be_256_bits(keys):
    with pytest.raises(ValueError):
        Cipher(b"short", keys)


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(), owner=st.text(min_size=1, max_size=30))
def test_decrypt_of_encrypt_is_identity_for_any_text(text, owner):
    cipher = Cipher(MASTER, MemoryKeyStore())
    stored = cipher.encrypt_value("text", text, owner)
    assert is_ciphertext(stored) and stored.isascii()
    assert cipher.decrypt_value("text", stored, owner) == text
    data = {"reflection_id": "rf", "member_id": owner, "text": text, "visibility": "private"}
    assert cipher.decrypt_data("ReflectionRecorded",
                               cipher.encrypt_data("ReflectionRecorded", data, owner),
                               owner) == data


def test_is_sealed_takes_what_encrypt_writes_and_nothing_else(cipher):
    sealed = cipher.encrypt_value("email", "ana@example.org", "ana")
    assert is_sealed(sealed, max_length=1000)
    assert not is_sealed(sealed, max_length=len(sealed) - 1)
    body = sealed[len("enc:v1:"):]
    for bad in ("ana@example.org", "enc:v1:", "enc:v1:<b>hello</b>", "enc:v1:" + body[:-1],
                "enc:v1:" + body + "\n", "enc:v1:" + body.replace(body[4], " ", 1),
                "enc:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # 27 bytes: no room for a tag
                None, 42):
        assert not is_sealed(bad, max_length=1000), bad
