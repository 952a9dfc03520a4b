"""Identity at the edge: access-token verifications per second (the gateway verifies one
on every request) beside HS256 as the reference, and log-in latency through the gateway
beside the argon2id verification it is built around, with the parameters stated."""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid

import httpx
import jwt

from bench.harness import Report, Row, RunOptions
from bench.infra import bench_stack, start_platform
from bench.stats import percentile
from services.identity.domain import Passwords
from services.identity.settings import Settings as IdentitySettings
from shared.auth import AUDIENCE, ISSUER, SigningKey, TokenVerifier

PASSWORD = "a-long-enough-password"


def verifications_per_second(count: int) -> tuple[float, float, float]:
    """(EdDSA signature checks, verifications of a remembered token, HS256 with PyJWT) per second."""
    key = SigningKey.generate()
    verifier = TokenVerifier({"keys": [key.jwk()]}, cache_size=0)
    tokens = [key.issue(account_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role="OWNER") for _ in range(count)]
    started = time.perf_counter()
    for token in tokens:
        verifier.verify(token)
    eddsa = count / (time.perf_counter() - started)
    cached = TokenVerifier({"keys": [key.jwk()]})
    cached.verify(tokens[0])
    started = time.perf_counter()
    for _ in range(count):
        cached.verify(tokens[0])
    remembered = count / (time.perf_counter() - started)
    secret = "x" * 32
    claims = {"sub": str(uuid.uuid4()), "aud": AUDIENCE, "iss": ISSUER, "exp": int(time.time()) + 600}
    hs_token = jwt.encode(claims, secret, algorithm="HS256")
    started = time.perf_counter()
    for _ in range(count):
        jwt.decode(hs_token, secret, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    return eddsa, remembered, count / (time.perf_counter() - started)


def argon2_ms(passwords: Passwords, count: int) -> list[float]:
    stored = passwords.hash(PASSWORD)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        passwords.matches(PASSWORD, stored)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def login_ms(count: int) -> list[float]:
    """Log-ins on a tenant's host through the gateway, one at a time, on a fresh platform."""
    stack = bench_stack("identity")
    data_dir = stack.data_dir
    try:
        await start_platform(stack)
        domain, port = stack.config.platform_domain, stack.ports["gateway"]
        async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30) as http:
            slug = f"bench-{uuid.uuid4().hex[:8]}"
            email = f"owner@{slug}.example"
            await stack.sign_up(slug, "Bench", email, PASSWORD)
            timings = []
            for _ in range(count):
                started = time.perf_counter()
                response = await http.post("/api/identity/login", headers={"host": f"{slug}.{domain}:{port}"},
                                           json={"email": email, "password": PASSWORD})
                timings.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
        return timings
    finally:
        await asyncio.to_thread(stack.stop)
        shutil.rmtree(data_dir, ignore_errors=True)


async def main(options: RunOptions) -> Report:
    defaults = IdentitySettings(database_url="", internal_secret="", jwt_private_key="")
    passwords = Passwords(time_cost=defaults.password_time_cost, memory_kib=defaults.password_memory_kib)
    eddsa, remembered, hs256 = verifications_per_second(2000 if options.quick else 20000)
    count = 20 if options.quick else 100
    hashing = argon2_ms(passwords, count)
    logins = await login_ms(count)
    rows = [
        Row(metric="token verifications, new tokens (EdDSA vs HS256)", unit="/s", platform=eddsa, reference=hs256),
        Row(metric="token verifications, remembered token (vs HS256)", unit="/s", platform=remembered,
            reference=hs256),
        Row(metric="log-in p50 (HTTP via gateway vs argon2 alone)", unit="ms", platform=percentile(logins, 0.5),
            reference=percentile(hashing, 0.5)),
        Row(metric="log-in p99 (HTTP via gateway vs argon2 alone)", unit="ms", platform=percentile(logins, 0.99),
            reference=percentile(hashing, 0.99)),
    ]
    notes = [f"argon2id: time_cost={defaults.password_time_cost}, memory={defaults.password_memory_kib} KiB, "
             "parallelism=1 (OWASP's minimum)",
             "token verification: one core, PyJWT with cryptography; the gateway caches the JWKS, so this is all "
             "it spends per request on identity",
             f"{count} sequential log-ins on a tenant host: gateway -> identity -> PostgreSQL (throttle, account, "
             "membership, session) -> argon2 -> token"]
    return Report(title="identity: token verification and log-in latency", platform_label="platform",
                  reference_label="reference", rows=rows, notes=notes)
