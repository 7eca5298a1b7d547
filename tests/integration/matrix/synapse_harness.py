"""Install, start, drive and stop a real Synapse homeserver for Porch's Matrix tests.

Porch's Matrix adapter is only trustworthy when it is tested against the server it
will meet in production, so these helpers run a genuine Synapse rather than a mock:

* :func:`ensure_synapse_installed` puts ``matrix-synapse`` from PyPI into its own cached
  virtual environment, so Synapse's many pins can never fight the project's own.
* :func:`start_synapse` writes a throwaway config (SQLite, loopback only, no federation,
  rate limits relaxed unless asked otherwise), starts the server as a subprocess and
  waits until the client API answers.
* :class:`SynapseServer` registers users through the shared-secret admin API and calls
  admin APIs such as ``override_ratelimit``.

The module uses only the standard library so it can be imported (and debugged) outside
pytest, e.g. ``python -c "from tests.integration.matrix.synapse_harness import *"``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

#: The Synapse release the harness installs. Tested with 1.163.2; override with
#: ``PORCH_SYNAPSE_VERSION`` to try another release (each gets its own cached venv).
DEFAULT_SYNAPSE_VERSION = "1.163.2"

#: Seconds to wait for another process that holds the install lock.
INSTALL_LOCK_TIMEOUT = 900.0
#: Seconds a fresh Synapse may take before ``/_matrix/client/versions`` must answer.
STARTUP_TIMEOUT = 90.0
#: Seconds Synapse gets to exit after SIGTERM before it is killed.
STOP_TIMEOUT = 15.0

_MARKER_NAME = "install-complete.json"
_PORT_IN_USE = "Address already in use"

# Rate limits so high that no test can reach them. Synapse's defaults (e.g. ten
# messages, ten rooms, five logins per account) would make tests that run many clients
# fast flaky, so every limiter it knows is listed here.
_UNLIMITED: dict[str, int] = {"per_second": 100_000, "burst_count": 100_000}
_RELAXED_RATE_LIMITS: dict[str, Any] = {
    "rc_message": _UNLIMITED,
    "rc_registration": _UNLIMITED,
    "rc_registration_token_validity": _UNLIMITED,
    "rc_login": {"address": _UNLIMITED, "account": _UNLIMITED, "failed_attempts": _UNLIMITED},
    "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
    "rc_joins_per_room": _UNLIMITED,
    "rc_invites": {"per_room": _UNLIMITED, "per_user": _UNLIMITED, "per_issuer": _UNLIMITED},
    "rc_third_party_invite": _UNLIMITED,
    "rc_3pid_validation": _UNLIMITED,
    "rc_room_creation": _UNLIMITED,
    "rc_presence": {"per_user": _UNLIMITED},
    "rc_delayed_event_mgmt": _UNLIMITED,
    "rc_reports": _UNLIMITED,
    "rc_user_directory": _UNLIMITED,
    "rc_profile": _UNLIMITED,
    "rc_media_create": _UNLIMITED,
    "rc_key_requests": _UNLIMITED,
    "rc_admin_redaction": _UNLIMITED,
}


class SynapseHarnessError(RuntimeError):
    """Base class: Matrix integration testing is impossible for the stated reason."""


class SynapseInstallError(SynapseHarnessError):
    """``matrix-synapse`` could not be installed into its cached virtual environment."""


class SynapseStartError(SynapseHarnessError):
    """Synapse did not come up; the message carries the tail of its logs."""


class SynapseApiError(SynapseHarnessError):
    """An HTTP call to Synapse returned an error status."""

    def __init__(self, method: str, url: str, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        self.errcode: str | None = body.get("errcode")
        super().__init__(f"{method} {url} -> HTTP {status}: {body}")


# --------------------------------------------------------------------------- install


@dataclass(frozen=True)
class SynapseInstall:
    """A usable Synapse installation: the interpreter of its private virtualenv."""

    version: str
    venv_dir: Path
    #: Wall-clock seconds this call spent installing, or ``None`` if the cache was used.
    install_seconds: float | None

    @property
    def python(self) -> Path:
        """The venv's interpreter, which runs ``python -m synapse.app.homeserver``."""
        return self.venv_dir / "bin" / "python"


def synapse_version() -> str:
    """The Synapse release to use: ``PORCH_SYNAPSE_VERSION`` or the tested default."""
    return os.environ.get("PORCH_SYNAPSE_VERSION", DEFAULT_SYNAPSE_VERSION)


def cache_root() -> Path:
    """Where installs are cached: ``$PORCH_CACHE_DIR`` or ``~/.cache/porch``.

    A stable per-user location lets a developer pay the install cost once, while a
    fresh CI machine simply installs on first use.
    """
    configured = os.environ.get("PORCH_CACHE_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "porch"


def base_python() -> str:
    """The interpreter the tests' virtualenv was made from.

    Synapse's venv is built from the *base* interpreter (not the project venv's
    python) so it shares nothing with the project environment but the Python version.
    """
    return str(getattr(sys, "_base_executable", None) or sys.executable)


def ensure_synapse_installed(
    version: str | None = None,
    cache_dir: Path | None = None,
    *,
    lock_timeout: float = INSTALL_LOCK_TIMEOUT,
) -> SynapseInstall:
    """Return a Synapse install, creating it under a file lock if it is missing.

    The marker file is written only after pip succeeded and Synapse imports, so an
    interrupted install is detected and redone instead of being trusted.
    """
    version = version or synapse_version()
    root = (cache_dir or cache_root()) / f"synapse-{version}"
    venv_dir = root / "venv"
    marker = root / _MARKER_NAME
    if marker.is_file():
        return SynapseInstall(version, venv_dir, install_seconds=None)
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(root / "install.lock", lock_timeout):
        if marker.is_file():  # another process finished while we waited
            return SynapseInstall(version, venv_dir, install_seconds=None)
        started = time.monotonic()
        _install_into(venv_dir, version, root / "install.log")
        elapsed = time.monotonic() - started
        _write_marker(marker, version, elapsed)
    return SynapseInstall(version, venv_dir, install_seconds=elapsed)


@contextlib.contextmanager
def _exclusive_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold an ``fcntl`` lock so concurrent test runs never install into one venv."""
    with path.open("a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SynapseInstallError(
                        f"another process held {path} for more than {timeout:.0f}s"
                    ) from None
                time.sleep(0.5)  # poll interval while another install runs
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _install_into(venv_dir: Path, version: str, log_path: Path) -> None:
    """Create a fresh venv and pip-install ``matrix-synapse==version`` into it."""
    if venv_dir.exists():
        shutil.rmtree(venv_dir)  # leftovers of an interrupted install
    with log_path.open("w") as log:
        _run_logged([base_python(), "-m", "venv", str(venv_dir)], log, log_path)
        python = str(venv_dir / "bin" / "python")
        pip = [python, "-m", "pip", "install", "--disable-pip-version-check"]
        _run_logged([*pip, f"matrix-synapse=={version}"], log, log_path)
        _run_logged([python, "-c", "import synapse.app.homeserver"], log, log_path)


def _run_logged(command: list[str], log: IO[str], log_path: Path) -> None:
    """Run one install step, appending its output to the install log."""
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        log.flush()
        raise SynapseInstallError(
            f"`{' '.join(command)}` exited with {result.returncode}; "
            f"end of {log_path}:\n{_tail(log_path)}"
        )


def _write_marker(marker: Path, version: str, seconds: float) -> None:
    """Record a completed install atomically (write then rename)."""
    details = {"version": version, "install_seconds": round(seconds, 1), "python": base_python()}
    partial = marker.with_suffix(".tmp")
    partial.write_text(json.dumps(details, indent=2) + "\n")
    partial.replace(marker)


# ---------------------------------------------------------------------------- config


def free_loopback_port() -> int:
    """Ask the kernel for an unused TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_homeserver_config(
    workdir: Path,
    port: int,
    server_name: str,
    registration_shared_secret: str,
    *,
    default_rate_limits: bool = False,
) -> dict[str, Any]:
    """The homeserver config for a disposable test server.

    Only a ``client`` listener on 127.0.0.1 (the admin API is served with it), no
    federation in or out, presence off, cheap bcrypt. With ``default_rate_limits``
    Synapse keeps its default ``rc_message`` (0.2/s, burst 10) so a test can watch a
    sender being throttled; every other limiter stays relaxed either way.
    """
    rate_limits = dict(_RELAXED_RATE_LIMITS)
    if default_rate_limits:
        del rate_limits["rc_message"]
    listener = {
        "port": port,
        "bind_addresses": ["127.0.0.1"],
        "type": "http",
        "tls": False,
        "x_forwarded": False,
        "resources": [{"names": ["client"], "compress": False}],
    }
    return {
        "server_name": server_name,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(workdir / "homeserver.pid"),
        "listeners": [listener],
        "database": {"name": "sqlite3", "args": {"database": str(workdir / "homeserver.db")}},
        "log_config": str(workdir / "log_config.yaml"),
        "media_store_path": str(workdir / "media_store"),
        "signing_key_path": str(workdir / "signing.key"),
        "report_stats": False,
        "registration_shared_secret": registration_shared_secret,
        "enable_registration": False,
        "macaroon_secret_key": secrets.token_urlsafe(32),
        "form_secret": secrets.token_urlsafe(32),
        "bcrypt_rounds": 4,
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        **rate_limits,
    }


def synapse_log_level() -> str:
    """Synapse's log level: ``PORCH_SYNAPSE_LOG_LEVEL`` (e.g. ``INFO``, which logs every
    request, to diagnose a flaky test) or ``WARNING``."""
    return os.environ.get("PORCH_SYNAPSE_LOG_LEVEL", "WARNING").upper()


def build_log_config(log_path: Path, level: str = "WARNING") -> dict[str, Any]:
    """A ``logging.dictConfig`` that writes ``level`` and above to one file."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "filename": str(log_path),
                "formatter": "plain",
                "encoding": "utf8",
            }
        },
        "root": {"level": level, "handlers": ["file"]},
    }


def _write_yaml(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as YAML. JSON is a subset of YAML, so no YAML library is needed."""
    path.write_text(json.dumps(data, indent=2) + "\n")


# ------------------------------------------------------------------------------ HTTP


def http_json(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    *,
    access_token: str | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """Send one JSON request and return the decoded reply; raise on an HTTP error."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if access_token:
        request.add_header("Authorization", f"Bearer {access_token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _decode(response.read())
    except urllib.error.HTTPError as error:
        raise SynapseApiError(method, url, error.code, _decode(error.read())) from None


def _decode(raw: bytes) -> dict[str, Any]:
    """Decode a JSON object, keeping non-JSON error pages readable."""
    try:
        decoded = json.loads(raw or b"{}")
    except ValueError:
        return {"raw": raw.decode(errors="replace")}
    return decoded if isinstance(decoded, dict) else {"value": decoded}


def registration_mac(
    shared_secret: str, nonce: str, username: str, password: str, *, admin: bool
) -> str:
    """HMAC-SHA1 over ``nonce\\0user\\0password\\0admin|notadmin``, as Synapse checks it."""
    message = b"\x00".join(
        [nonce.encode(), username.encode(), password.encode(), b"admin" if admin else b"notadmin"]
    )
    return hmac.new(shared_secret.encode(), message, hashlib.sha1).hexdigest()


# ---------------------------------------------------------------------------- server


@dataclass(frozen=True)
class RegisteredUser:
    """A freshly registered account together with the session Synapse issued for it."""

    user_id: str
    password: str
    access_token: str
    device_id: str
    admin: bool


@dataclass
class SynapseServer:
    """A running Synapse subprocess and the facts a test needs to talk to it."""

    base_url: str
    server_name: str
    port: int
    workdir: Path
    registration_shared_secret: str
    process: subprocess.Popen[bytes]
    #: Seconds from spawning the process until the client API answered.
    startup_seconds: float
    _stdout: IO[bytes] = field(repr=False)
    _admin: RegisteredUser | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def log_path(self) -> Path:
        """Synapse's own log file (``synapse_log_level()`` and above)."""
        return self.workdir / "homeserver.log"

    @property
    def running(self) -> bool:
        """Whether the Synapse process is still alive."""
        return self.process.poll() is None

    def url(self, path: str) -> str:
        """Absolute URL of an API path such as ``/_matrix/client/versions``."""
        return self.base_url + path

    def register(
        self, localpart: str, password: str | None = None, *, admin: bool = False
    ) -> RegisteredUser:
        """Create a user via the shared-secret admin API (works with registration off)."""
        password = password or secrets.token_urlsafe(16)
        endpoint = self.url("/_synapse/admin/v1/register")
        nonce = http_json("GET", endpoint)["nonce"]
        mac = registration_mac(
            self.registration_shared_secret, nonce, localpart, password, admin=admin
        )
        body = {"nonce": nonce, "username": localpart, "password": password}
        reply = http_json("POST", endpoint, {**body, "admin": admin, "mac": mac})
        return RegisteredUser(
            user_id=reply["user_id"],
            password=password,
            access_token=reply["access_token"],
            device_id=reply["device_id"],
            admin=admin,
        )

    def harness_admin(self) -> RegisteredUser:
        """An admin account the harness itself uses for admin API calls."""
        if self._admin is None:
            self._admin = self.register(f"harness-admin-{secrets.token_hex(4)}", admin=True)
        return self._admin

    def admin_request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        access_token: str | None = None,
    ) -> dict[str, Any]:
        """Call an admin API, as the harness admin unless another token is given."""
        token = access_token or self.harness_admin().access_token
        return http_json(method, self.url(path), body, access_token=token)

    def admin_override_ratelimit(
        self, user_id: str, messages_per_second: int = 0, burst_count: int = 0
    ) -> dict[str, Any]:
        """Override ``rc_message`` for one user; ``0, 0`` exempts them entirely.

        This is what operators are told to do for the Porch bot account.
        """
        path = f"/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/override_ratelimit"
        limits = {"messages_per_second": messages_per_second, "burst_count": burst_count}
        return self.admin_request("POST", path, limits)

    def log_tail(self, lines: int = 40) -> str:
        """The end of Synapse's log and captured stdout/stderr, for error messages."""
        parts = []
        for path in (self.log_path, self.workdir / "stdout.log"):
            parts.append(f"--- {path.name} ---\n{_tail(path, lines)}")
        return "\n".join(parts)

    def stop(self, timeout: float = STOP_TIMEOUT, *, keep_workdir: bool = False) -> None:
        """SIGTERM Synapse, kill it if it lingers, then delete its directory.

        Idempotent, so the ``atexit`` safety net never touches a kept directory.
        """
        if self._stopped:
            return
        self._stopped = True
        _terminate(self.process, timeout)
        self._stdout.close()
        if not keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> SynapseServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_synapse(
    install: SynapseInstall | None = None,
    *,
    default_rate_limits: bool = False,
    server_name: str | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
    extra_config: dict[str, Any] | None = None,
    attempts: int = 3,
    parent_dir: Path | None = None,
) -> SynapseServer:
    """Install Synapse if needed, start a disposable homeserver and wait for it.

    ``server_name`` defaults to ``localhost:<port>``; ``extra_config`` keys override
    the generated config. A port taken between choosing and binding it is retried.
    The server's directory (config, database, logs) is created in ``parent_dir`` (the
    pytest run's temporary directory, so parallel runs never share one) or in the
    system's temporary directory.
    """
    install = install or ensure_synapse_installed()
    for attempt in range(1, attempts + 1):
        try:
            return _start_once(
                install, default_rate_limits, server_name, startup_timeout, extra_config, parent_dir
            )
        except SynapseStartError as error:
            if _PORT_IN_USE not in str(error) or attempt == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _start_once(
    install: SynapseInstall,
    default_rate_limits: bool,
    server_name: str | None,
    startup_timeout: float,
    extra_config: dict[str, Any] | None,
    parent_dir: Path | None,
) -> SynapseServer:
    """One attempt: fresh directory and port, spawn, wait for the client API."""
    workdir = Path(tempfile.mkdtemp(prefix="porch-synapse-", dir=parent_dir))
    port = free_loopback_port()
    secret = secrets.token_urlsafe(32)
    config = build_homeserver_config(
        workdir,
        port,
        server_name or f"localhost:{port}",
        secret,
        default_rate_limits=default_rate_limits,
    )
    config.update(extra_config or {})
    _write_yaml(workdir / "homeserver.yaml", config)
    log_config = build_log_config(workdir / "homeserver.log", synapse_log_level())
    _write_yaml(workdir / "log_config.yaml", log_config)
    stdout = (workdir / "stdout.log").open("wb")
    started = time.monotonic()
    process = _spawn(install, workdir, stdout)
    server = SynapseServer(
        base_url=f"http://127.0.0.1:{port}",
        server_name=config["server_name"],
        port=port,
        workdir=workdir,
        registration_shared_secret=secret,
        process=process,
        startup_seconds=0.0,
        _stdout=stdout,
    )
    try:
        _wait_until_ready(server, startup_timeout)
    except BaseException:
        server.stop(keep_workdir=False)
        raise
    server.startup_seconds = time.monotonic() - started
    atexit.register(_stop_quietly, server)
    return server


def _spawn(install: SynapseInstall, workdir: Path, stdout: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start ``python -m synapse.app.homeserver``.

    The signing key does not exist yet: Synapse's default start-up mode generates
    missing key files and then runs (the explicit ``--generate-missing-and-run`` flag is
    rejected by the run-time argument parser, so it is deliberately not passed).
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    command = [
        str(install.python),
        "-m",
        "synapse.app.homeserver",
        "--config-path",
        str(workdir / "homeserver.yaml"),
        "--no-redirect-stdio",
    ]
    return subprocess.Popen(
        command,
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.STDOUT,
    )


def _wait_until_ready(server: SynapseServer, timeout: float) -> None:
    """Poll ``/_matrix/client/versions`` until it answers, Synapse dies or time runs out."""
    deadline = time.monotonic() + timeout
    versions = server.url("/_matrix/client/versions")
    while time.monotonic() < deadline:
        if _answers(versions):
            return
        try:
            code = server.process.wait(timeout=0.1)  # doubles as the poll interval
        except subprocess.TimeoutExpired:
            continue
        raise SynapseStartError(
            f"Synapse exited with status {code} before answering {versions}\n{server.log_tail()}"
        )
    raise SynapseStartError(
        f"Synapse did not answer {versions} within {timeout:.0f}s\n{server.log_tail()}"
    )


def _answers(url: str) -> bool:
    """Whether ``url`` returns HTTP 200 right now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _terminate(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM then, if Synapse has not exited within ``timeout``, SIGKILL."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def _stop_quietly(server: SynapseServer) -> None:
    """``atexit`` safety net: never leave a Synapse behind if a fixture did not stop it."""
    with contextlib.suppress(Exception):
        server.stop()


def _tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a text file, or a note that it does not exist."""
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"({error.strerror}: {path})"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"
