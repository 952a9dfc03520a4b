import time
import uuid

import pytest

from shared.auth import Caller, Role, SigningKey, TokenVerifier, sign_caller, verify_caller
from shared.errors import Forbidden, Unauthorized

SECRET = "s3cret"


def caller(role: str | None = "EDITOR") -> Caller:
    return Caller(tenant_id=uuid.uuid4(), account_id=uuid.uuid4(), role=role, request_id="r1")


def test_signed_caller_round_trips() -> None:
    original = caller()
    headers = sign_caller(SECRET, original, method="GET", path="/pages")
    assert verify_caller(SECRET, headers, method="GET", path="/pages") == original


@pytest.mark.parametrize("tamper", [
    lambda h: h.update({"x-sb-tenant": str(uuid.uuid4())}),
    lambda h: h.update({"x-sb-role": "OWNER"}),
    lambda h: h.pop("x-sb-signature"),
])
def test_tampered_identity_headers_are_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    headers = sign_caller(SECRET, caller(), method="GET", path="/pages")
    tamper(headers)
    with pytest.raises(Unauthorized):
        verify_caller(SECRET, headers, method="GET", path="/pages")


def test_signature_binds_method_path_secret_and_time() -> None:
    headers = sign_caller(SECRET, caller(), method="GET", path="/pages", now=time.time())
    verify_caller(SECRET, headers, method="GET", path="/pages")  # allowed twin
    for method, path, secret in [("DELETE", "/pages", SECRET), ("GET", "/other", SECRET), ("GET", "/pages", "x")]:
        with pytest.raises(Unauthorized):
            verify_caller(secret, headers, method=method, path=path)
    old = sign_caller(SECRET, caller(), method="GET", path="/pages", now=time.time() - 600)
    with pytest.raises(Unauthorized):
        verify_caller(SECRET, old, method="GET", path="/pages")


def test_roles_are_ordered() -> None:
    assert caller("OWNER").require(Role.EDITOR)
    with pytest.raises(Forbidden):
        caller("VIEWER").require(Role.EDITOR)
    with pytest.raises(Unauthorized):
        Caller(tenant_id=uuid.uuid4()).require(Role.VIEWER)


def test_tokens_verify_against_the_jwks_of_their_key_only() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    account, tenant = uuid.uuid4(), uuid.uuid4()
    token = key.issue(account_id=account, tenant_id=tenant, role="OWNER")
    claims = TokenVerifier({"keys": [key.jwk()]}).verify(token)
    assert (claims.sub, claims.tid, claims.role) == (account, tenant, "OWNER")
    with pytest.raises(Unauthorized):
        TokenVerifier({"keys": [other.jwk()]}).verify(token)
    assert SigningKey.from_pem(key.private_pem).kid == key.kid


def test_expired_and_malformed_tokens_are_refused() -> None:
    key = SigningKey.generate()
    verifier = TokenVerifier({"keys": [key.jwk()]})
    expired = key.issue(account_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="OWNER", ttl=10,
                        now=time.time() - 3600)
    for token in (expired, "not.a.token", key.issue(account_id=uuid.uuid4(), tenant_id=uuid.uuid4(),
                                                    role="OWNER")[:-4] + "AAAA"):
        with pytest.raises(Unauthorized):
            verifier.verify(token)


def test_a_remembered_token_is_still_refused_once_expired() -> None:
    key = SigningKey.generate()
    verifier = TokenVerifier({"keys": [key.jwk()]})
    token = key.issue(account_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="OWNER", ttl=2,
                      now=time.time() - 1)
    assert verifier.verify(token).role == "OWNER"  # remembered now
    time.sleep(1.1)
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_the_cache_is_bounded() -> None:
    key = SigningKey.generate()
    verifier = TokenVerifier({"keys": [key.jwk()]}, cache_size=3)
    for _ in range(10):
        verifier.verify(key.issue(account_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="VIEWER"))
    assert len(verifier._verified) == 3
