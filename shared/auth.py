"""Who is calling: access tokens (EdDSA JWTs that identity signs and publishes as JWKS),
and the gateway-signed identity headers that services trust.

The gateway verifies the token at the edge, strips any identity headers a client sent,
and forwards the verified identity with an HMAC over it; services refuse requests that
lack a valid signature, so nothing reaches them around the gateway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from enum import IntEnum

import jwt
import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.errors import Forbidden, Unauthorized

ISSUER = "sitebuilder-identity"
AUDIENCE = "sitebuilder"


class Role(IntEnum):
    """Membership roles, ordered by what they may do."""

    VIEWER = 1
    EDITOR = 2
    OWNER = 3


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    """The verified identity of a request, as services see it."""

    tenant_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    role: str | None = None
    request_id: str = ""

    def require(self, role: Role) -> uuid.UUID:
        """The caller's tenant, if the caller holds at least `role` in it."""
        if self.tenant_id is None:
            raise NotTenantHost()
        if self.account_id is None or self.role is None:
            raise Unauthorized("sign in to do this")
        if Role[self.role] < role:
            raise Forbidden(f"needs the {role.name} role; you are {self.role}")
        return self.tenant_id


class NotTenantHost(Forbidden):
    title = "This needs a tenant's host"


# access tokens ----------------------------------------------------------------------


class AccessClaims(msgspec.Struct, frozen=True, kw_only=True):
    sub: uuid.UUID
    tid: uuid.UUID
    role: str
    exp: int
    iat: int
    jti: str


class SigningKey(msgspec.Struct, frozen=True):
    """Identity's private signing key; its public half is what the JWKS publishes."""

    kid: str
    private_pem: str

    @classmethod
    def generate(cls) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        return cls.from_pem(pem)

    @classmethod
    def from_pem(cls, pem: str) -> SigningKey:
        public = serialization.load_pem_private_key(pem.encode(), None).public_key()
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return cls(kid=hashlib.sha256(raw).hexdigest()[:16], private_pem=pem)

    def jwk(self) -> dict[str, str]:
        public = serialization.load_pem_private_key(self.private_pem.encode(), None).public_key()
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": self.kid,
                "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}

    def issue(self, *, account_id: uuid.UUID, tenant_id: uuid.UUID, role: str, ttl: int = 900,
              now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {"sub": str(account_id), "tid": str(tenant_id), "role": role, "iat": issued,
                  "exp": issued + ttl, "iss": ISSUER, "aud": AUDIENCE, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self.private_pem, algorithm="EdDSA", headers={"kid": self.kid})


class TokenVerifier:
    """Verifies access tokens against a JWKS document.

    A signature check costs ~170 µs, and a client sends the same token for 15 minutes, so
    verified tokens are remembered (bounded, least recently used first out); a remembered
    token is still refused once it expires."""

    def __init__(self, jwks: Mapping[str, object], *, cache_size: int = 10_000) -> None:
        self.keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(dict(jwks)).keys}
        self.cache_size = cache_size
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    def verify(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        if claims is not None:
            if claims.exp <= time.time():
                del self._verified[token]
                raise Unauthorized("the token has expired")
            self._verified.move_to_end(token)
            return claims
        claims = self._verify_signature(token)
        self._verified[token] = claims
        if len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)
        return claims

    def knows(self, token: str) -> bool:
        try:
            return jwt.get_unverified_header(token).get("kid") in self.keys
        except jwt.PyJWTError:
            return True  # malformed: let verify() say so

    def _verify_signature(self, token: str) -> AccessClaims:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keys.get(kid)
            if key is None:
                raise Unauthorized("the token was signed by an unknown key")
            claims = jwt.decode(token, key.key, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER,
                                options={"require": ["exp", "iat", "sub", "jti"]})
            return msgspec.convert(claims, AccessClaims)
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired") from None
        except (jwt.PyJWTError, msgspec.ValidationError) as exc:
            raise Unauthorized(f"the token is not valid: {exc}") from None


# gateway -> service identity headers -------------------------------------------------

H_TENANT = "x-sb-tenant"
H_ACCOUNT = "x-sb-account"
H_ROLE = "x-sb-role"
H_TIMESTAMP = "x-sb-timestamp"
H_SIGNATURE = "x-sb-signature"
H_REQUEST_ID = "x-request-id"
IDENTITY_HEADERS = (H_TENANT, H_ACCOUNT, H_ROLE, H_TIMESTAMP, H_SIGNATURE)


def _mac(secret: str, parts: list[str]) -> str:
    return hmac.new(secret.encode(), "\n".join(parts).encode(), hashlib.sha256).hexdigest()


def sign_caller(secret: str, caller: Caller, *, method: str, path: str,
                now: float | None = None) -> dict[str, str]:
    """The headers that carry `caller` from the gateway to a service."""
    timestamp = str(int(now if now is not None else time.time()))
    tenant = str(caller.tenant_id or "")
    account = str(caller.account_id or "")
    role = caller.role or ""
    signature = _mac(secret, [tenant, account, role, caller.request_id, timestamp, method, path])
    return {H_TENANT: tenant, H_ACCOUNT: account, H_ROLE: role, H_REQUEST_ID: caller.request_id,
            H_TIMESTAMP: timestamp, H_SIGNATURE: signature}


def verify_caller(secret: str, headers: Mapping[str, str], *, method: str, path: str,
                  now: float | None = None, max_age: int = 60) -> Caller:
    """The caller the gateway vouched for; `Unauthorized` for anything else."""
    signature = headers.get(H_SIGNATURE)
    timestamp = headers.get(H_TIMESTAMP, "")
    if not signature or not timestamp.isdigit():
        raise Unauthorized("requests must come through the gateway")
    if abs((now if now is not None else time.time()) - int(timestamp)) > max_age:
        raise Unauthorized("the gateway signature is too old")
    tenant, account = headers.get(H_TENANT, ""), headers.get(H_ACCOUNT, "")
    role, request_id = headers.get(H_ROLE, ""), headers.get(H_REQUEST_ID, "")
    expected = _mac(secret, [tenant, account, role, request_id, timestamp, method, path])
    if not hmac.compare_digest(expected, signature):
        raise Unauthorized("requests must come through the gateway")
    return Caller(tenant_id=uuid.UUID(tenant) if tenant else None,
                  account_id=uuid.UUID(account) if account else None,
                  role=role or None, request_id=request_id)
