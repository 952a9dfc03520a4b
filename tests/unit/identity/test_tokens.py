"""Key rotation: tokens signed before it still verify; new ones use the new key."""

import uuid

from services.identity.tokens import Tokens, digest, new_secret
from shared.auth import SigningKey, TokenVerifier


def test_rotation_keeps_old_tokens_valid_and_signs_with_the_new_key() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    before = Tokens(old, None, ttl=900).issue(uuid.uuid4(), uuid.uuid4(), "OWNER").access_token
    rotated = Tokens(new, old, ttl=900)
    after = rotated.issue(uuid.uuid4(), uuid.uuid4(), "EDITOR").access_token
    verifier = TokenVerifier(rotated.jwks())
    assert verifier.verify(before).role == "OWNER"
    assert verifier.verify(after).role == "EDITOR"
    assert {key["kid"] for key in rotated.jwks()["keys"]} == {old.kid, new.kid}
    assert [key["kid"] for key in Tokens(new, None, ttl=900).jwks()["keys"]] == [new.kid]  # once retired


def test_secrets_are_random_prefixed_and_only_their_hash_is_kept() -> None:
    token, token_hash = new_secret("sbr")
    assert token.startswith("sbr_") and len(token) > 40
    assert digest(token) == token_hash and token.encode() not in token_hash
    assert new_secret("sbr")[0] != token
