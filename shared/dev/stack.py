"""The whole platform on one machine: `python -m shared.dev.stack run` (what `make run` does).

Starts PostgreSQL and NATS (embedded, or the servers named by DATABASE_URL / NATS_URL),
applies migrations, runs the five services under granian, creates the demo tenant and
prints the URLs. The test suite starts the same stack once per session.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import msgspec

from shared import settings as settings_loader
from shared.auth import SigningKey
from shared.dev.demo_site import seed_demo_site
from shared.dev.embedded import EmbeddedNats, EmbeddedPostgres, InfraError, port_is_free, wait_for_port
from shared.errors import INFRASTRUCTURE_ERRORS
from shared.migrate import MigrateSettings, MigrationError, migrate, service_url

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "cms", "assets", "billing")
# Slow-client protection at the door: a client gets 10 s to send its request headers.
EDGE_ARGS = {"gateway": ["--http1-header-read-timeout", "10000"]}
DEMO_SLUG = "demo"
DEMO_EMAIL = "owner@demo.example"
DEMO_PASSWORD = "demo-password-123"


class StackSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How `make run` and the tests lay the platform out on this machine."""

    data_dir: str = str(ROOT / ".data")
    database_url: str = ""  # empty: embedded PostgreSQL
    nats_url: str = ""  # empty: embedded NATS
    database_name: str = "platform"
    db_role_password: str = "platform-dev-password"
    pg_port: int = 5433
    nats_port: int = 4222
    gateway_port: int = 8000
    service_base_port: int = 8101
    platform_domain: str = "localhost"
    workers_per_service: int = 1
    mailbox_port: int = 8025


class Stack:
    """Infrastructure plus service processes; `stop()` ends everything it started."""

    def __init__(self, config: StackSettings) -> None:
        self.config = config
        self.data_dir = Path(config.data_dir)
        self.postgres: EmbeddedPostgres | None = None
        self.nats: EmbeddedNats | None = None
        self.admin_url = config.database_url
        self.nats_url = config.nats_url
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.mailbox: DevMailbox | None = None
        self.extra_env: dict[str, dict[str, str]] = {}
        self.ports = {"gateway": config.gateway_port,
                      **{name: config.service_base_port + i for i, name in enumerate(SERVICES)}}

    # infrastructure ---------------------------------------------------------------

    def start_infra(self) -> None:
        if not self.admin_url:
            self.postgres = EmbeddedPostgres(self.data_dir / "postgres", self.config.pg_port)
            self.admin_url = self.postgres.start()
        if not self.nats_url:
            self.nats = EmbeddedNats(self.data_dir / "nats", self.config.nats_port)
            self.nats_url = self.nats.start()

    def migrate(self, database: str | None = None) -> list[str]:
        return asyncio.run(migrate(MigrateSettings(
            database_url=self.admin_url, database_name=database or self.config.database_name,
            db_role_password=self.config.db_role_password)))

    def secrets(self) -> dict[str, str]:
        """Dev secrets made once and kept with the data, so tokens survive a restart."""
        path = self.data_dir / "dev-secrets.json"
        if path.exists():
            return json.loads(path.read_text())
        made = {"internal_secret": secrets.token_urlsafe(32), "jwt_private_key": SigningKey.generate().private_pem}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(made))
        path.chmod(0o600)
        return made

    def database_url(self, service: str, database: str | None = None) -> str:
        return service_url(self.admin_url, service, password=self.config.db_role_password,
                           database=database or self.config.database_name)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    # services ---------------------------------------------------------------------

    def service_env(self, name: str) -> dict[str, str]:
        made = self.secrets()
        env = {"NATS_URL": self.nats_url, "INTERNAL_SECRET": made["internal_secret"],
               "PLATFORM_DOMAIN": self.config.platform_domain}
        if name == "gateway":
            env.update({f"{service.upper()}_URL": self.url(service) for service in SERVICES})
        else:
            env["DATABASE_URL"] = self.database_url(name)
        if name == "assets":
            env["STORAGE_URL"] = f"file://{(self.data_dir / 'objects').resolve()}"
        if name in ("gateway", "identity", "cms", "billing"):
            env["PUBLIC_BASE_URL"] = f"http://{self.config.platform_domain}:{self.ports['gateway']}"
        if name == "identity":
            env["JWT_PRIVATE_KEY"] = made["jwt_private_key"]
            if self.mailbox is not None:
                env["SMTP_URL"] = self.mailbox.url
        return env

    def start_service(self, name: str, *, extra_env: dict[str, str] | None = None) -> None:
        """Start (or restart) one service; extra settings given once are kept for restarts."""
        if extra_env is not None:
            self.extra_env[name] = extra_env
        granian = Path(sys.executable).parent / "granian"
        env = {**os.environ, **self.service_env(name), **self.extra_env.get(name, {})}
        log_dir = self.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the process
        self.processes[name] = subprocess.Popen(
            [str(granian), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
             "--port", str(self.ports[name]), "--workers", str(self.config.workers_per_service),
             "--no-access-log", "--log-level", "warning", *EDGE_ARGS.get(name, []),
             f"services.{name}.app:create_app_from_env"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def start_services(self, extra_env: dict[str, dict[str, str]] | None = None) -> None:
        for name in ("gateway", *SERVICES):
            if not port_is_free(self.ports[name]):
                raise InfraError(f"port {self.ports[name]} for {name} is taken; "
                                 "set GATEWAY_PORT / SERVICE_BASE_PORT or stop that program.")
        for name in (*SERVICES, "gateway"):
            self.start_service(name, extra_env=(extra_env or {}).get(name))
        for name in (*SERVICES, "gateway"):
            self.wait_ready(name)

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        process = self.processes[name]
        wait_for_port(self.ports[name], timeout=timeout, process=process, what=name)
        path = "/health" if name == "gateway" else "/ready"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url(name) + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        log = self.data_dir / "logs" / f"{name}.log"
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:]) if log.exists() else ""
        raise InfraError(f"{name} did not become ready; the end of its log:\n{tail}")

    def stop_service(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def start_mailbox(self) -> None:
        self.mailbox = DevMailbox(self.data_dir / "mailbox", self.config.mailbox_port)
        self.mailbox.start()

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_service(name)
        if self.mailbox is not None:
            self.mailbox.stop()
        if self.nats is not None:
            self.nats.stop()
        if self.postgres is not None:
            self.postgres.stop()

    # demo ---------------------------------------------------------------------------

    async def mailed_token(self, email: str, kind: str = "confirm-signup", *, within: float = 10) -> str:
        """The token of the newest `kind` link (confirm-signup, reset-password) mailed to
        `email`: dev and test tooling read identity's mail queue as a person reads the mail.
        Patient with a database that is briefly away (the fault tests restart it)."""
        import asyncpg

        deadline = time.monotonic() + within
        while True:
            body = None
            try:
                conn = await asyncpg.connect(self.database_url("identity"), timeout=2)
                try:
                    body = await conn.fetchval(
                        "SELECT body FROM identity.mail_queue WHERE lower(to_address) = lower($1) "
                        "AND body LIKE $2 ORDER BY id DESC LIMIT 1", email, f"%/{kind}?token=%")
                finally:
                    await conn.close()
            except (*INFRASTRUCTURE_ERRORS, asyncpg.PostgresError):  # away, restarting, or not migrated yet
                pass
            if body is not None:
                return body.split(f"/{kind}?token=", 1)[1].split()[0]
            if time.monotonic() > deadline:
                raise InfraError(f"no {kind} link was mailed to {email}")
            await asyncio.sleep(0.05)

    async def sign_up(self, slug: str, name: str, email: str, password: str, *,
                      source_address: str | None = None) -> dict[str, object]:
        """A tenant through the gateway as a person makes one: sign up, open the mailed link.
        The answer to the confirmation (tenant, owner token); InfraError when either is refused.
        `source_address` (another loopback address) stands for a different person's machine."""
        import aiohttp

        connector = aiohttp.TCPConnector(local_addr=(source_address, 0) if source_address else None)
        platform = {"host": f"{self.config.platform_domain}:{self.ports['gateway']}"}
        async with aiohttp.ClientSession(self.url("gateway"), connector=connector) as http:
            async with http.post("/api/identity/signup", headers=platform, json={
                    "slug": slug, "name": name, "email": email, "password": password}) as answer:
                if answer.status != 202:
                    raise InfraError(f"sign-up of {slug} refused: {answer.status} {await answer.text()}")
            token = await self.mailed_token(email)
            async with http.post("/api/identity/signup/confirm", headers=platform, json={"token": token}) as answer:
                if answer.status != 201:
                    raise InfraError(f"confirming {slug} refused: {answer.status} {await answer.text()}")
                return await answer.json()

    def ensure_demo_tenant(self) -> str:
        try:
            asyncio.run(self.sign_up(DEMO_SLUG, "Demo", DEMO_EMAIL, DEMO_PASSWORD))
        except InfraError as exc:
            if " 409 " in str(exc):
                return "already there"
            raise
        return "created"


class DevMailbox:
    """`make run`'s SMTP server: every mail the platform sends lands in a folder as an
    .eml file, listed by `make mailbox`."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if not port_is_free(self.port):
            raise InfraError(f"port {self.port} for the dev mailbox is taken; set MAILBOX_PORT or stop that program.")
        self.folder.mkdir(parents=True, exist_ok=True)
        folder = self.folder

        class Keep:
            async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
                name = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}.eml"
                (folder / name).write_bytes(envelope.content)
                return "250 OK"

        self._controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()


def list_mailbox() -> None:
    import email
    import email.policy

    config = settings_loader.load(StackSettings)
    folder = Path(config.data_dir) / "mailbox"
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    if not files:
        print(f"no mail yet in {folder}")
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        links = [word for word in text.split() if word.startswith("http")]
        print(f"{path.name}  to {message['To']}  {message['Subject']!r}  {' '.join(links)}")


def run() -> None:
    config = settings_loader.load(StackSettings)
    stack = Stack(config)
    try:
        stack.start_infra()
        for line in stack.migrate():
            print(line)
        stack.start_mailbox()
        stack.start_services()
        demo = stack.ensure_demo_tenant()
        print("demo site: building it with its photos (first run only)...", flush=True)
        site = seed_demo_site(stack.url("gateway"), f"{DEMO_SLUG}.{config.platform_domain}", DEMO_EMAIL,
                              DEMO_PASSWORD)
    except (InfraError, MigrationError, settings_loader.ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        stack.stop()
        raise SystemExit(2) from None
    port = stack.ports["gateway"]
    domain = config.platform_domain
    print(f"""
The platform is running (data in {stack.data_dir}).

  platform      http://{domain}:{port}/
  demo site     http://{DEMO_SLUG}.{domain}:{port}/   (demo tenant {demo}; {site})
  demo owner    {DEMO_EMAIL} / {DEMO_PASSWORD}
  studio        http://{DEMO_SLUG}.{domain}:{port}/studio/   (edit the demo site: log in as the demo owner)
  sign up       http://{domain}:{port}/studio/signup   (a site of your own, written from a brief)
  API           http://{domain}:{port}/api/docs   (OpenAPI and the event catalogue)
  showcase      http://{domain}:{port}/__showcase   (every component and variant, in every theme preset)
  log in        curl -s -H 'host: {DEMO_SLUG}.{domain}' -H 'content-type: application/json' \\
                  -d '{{"email":"{DEMO_EMAIL}","password":"{DEMO_PASSWORD}"}}' http://127.0.0.1:{port}/api/identity/login
  services      {", ".join(f"{name} {stack.url(name)}/schema" for name in SERVICES)}
  logs          {stack.data_dir / "logs"}
  mail          make mailbox   (everything the platform sent, e.g. invitations)

Ctrl-C stops everything.""", flush=True)
    stopping = False

    def on_signal(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping:
            for name, process in list(stack.processes.items()):
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}; see {stack.data_dir / 'logs'}",
                          file=sys.stderr)
                    stopping = True
            time.sleep(0.5)
    finally:
        print("stopping...", flush=True)
        stack.stop()


if __name__ == "__main__":
    commands = {"run": run, "mailbox": list_mailbox}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print("usage: python -m shared.dev.stack run|mailbox", file=sys.stderr)
        raise SystemExit(2)
    commands[sys.argv[1]]()
