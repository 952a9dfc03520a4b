"""Log in, list my tenants, get a token for one; refresh rotation and reuse detection."""

from tests.e2e.platform_client import PASSWORD, PlatformClient


async def platform_login(client: PlatformClient, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return await client.call("POST", "/api/identity/login", json={"email": email, "password": password})


async def test_one_session_reaches_every_tenant_of_the_account(client: PlatformClient) -> None:
    first = await client.sign_up("agency")
    second = await client.sign_up("client", email=first.email)  # the same person, a second tenant
    session = await platform_login(client, first.email)
    assert session.status_code == 200, session.text
    tenants = {t["slug"]: t for t in session.json()["tenants"]}
    assert set(tenants) >= {first.slug, second.slug}

    refresh = session.json()["refresh_token"]
    token = await client.call("POST", "/api/identity/token", json={"refresh_token": refresh,
                                                                   "tenant_id": second.tenant_id})
    assert token.status_code == 200
    access = token.json()["access_token"]
    me = await client.call("GET", "/api/identity/me", slug=second.slug, token=access)
    assert me.json()["tenant_id"] == second.tenant_id and me.json()["role"] == "OWNER"
    # The access token is for that tenant only.
    assert (await client.call("GET", "/api/identity/me", slug=first.slug, token=access)).status_code == 403


async def test_a_reused_refresh_token_revokes_the_whole_session(client: PlatformClient) -> None:
    tenant = await client.sign_up("rotate")
    refresh = (await platform_login(client, tenant.email)).json()["refresh_token"]
    body = {"refresh_token": refresh, "tenant_id": tenant.tenant_id}
    rotated = await client.call("POST", "/api/identity/token", json=body)
    assert rotated.status_code == 200
    successor = rotated.json()["refresh_token"]
    assert successor != refresh

    replay = await client.call("POST", "/api/identity/token", json=body)  # a stolen copy comes back
    assert replay.status_code == 401 and "already used" in replay.json()["detail"]
    after = await client.call("POST", "/api/identity/token", json={**body, "refresh_token": successor})
    assert after.status_code == 401  # the legitimate successor died with the session


async def test_log_out_ends_the_session_and_wrong_passwords_are_throttled(client: PlatformClient,
                                                                         admin_sql) -> None:  # type: ignore[no-untyped-def]
    tenant = await client.sign_up("logout")
    refresh = (await platform_login(client, tenant.email)).json()["refresh_token"]
    assert (await client.call("POST", "/api/identity/logout", json={"refresh_token": refresh})).status_code == 204
    again = await client.call("POST", "/api/identity/token", json={"refresh_token": refresh,
                                                                   "tenant_id": tenant.tenant_id})
    assert again.status_code == 401

    statuses = [(await platform_login(client, tenant.email, "wrong-password-x")).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    # Locked out even with the right password until the lock passes (staged: it lasts 30 s).
    locked = await platform_login(client, tenant.email)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 25
    await admin_sql.execute("UPDATE identity.login_throttle SET locked_until = now() WHERE key = $1",
                            f"email:{tenant.email}")
    assert (await platform_login(client, tenant.email)).status_code == 200


async def test_unknown_emails_and_wrong_passwords_look_the_same(client: PlatformClient) -> None:
    tenant = await client.sign_up("enum")
    unknown = await platform_login(client, "nobody-at-all@nowhere.example", "wrong-password-y")
    wrong = await platform_login(client, tenant.email, "wrong-password-y")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]
    reset_unknown = await client.call("POST", "/api/identity/password-reset", json={"email": "nobody@nowhere.example"})
    reset_known = await client.call("POST", "/api/identity/password-reset", json={"email": tenant.email})
    assert reset_unknown.status_code == reset_known.status_code == 202
    assert reset_unknown.content == reset_known.content
