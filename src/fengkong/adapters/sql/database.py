"""The SQL database every store shares: one SQLAlchemy engine (one pool), the schema migrated
when it opens, and the unit of work.

Writes go through one connection held open, one transaction at a time (SQLite allows a single
writer anyway, and the event log is single-writer by design): `atomic()` blocks nest, and what
every store writes inside the outermost one is committed together. Reads outside a block use
pooled connections (SQLite in WAL mode reads beside the writer); reads inside a block see its
uncommitted writes. An in-memory SQLite database is a single connection, so there every read
and write takes its turn on it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

from fengkong.adapters.sql import migrate, stamps
from fengkong.adapters.sql.tables import change_stamps
from fengkong.domain.errors import Unavailable

MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")


def make_engine(url: str, sqlite_synchronous: str = "NORMAL") -> Engine:
    """A SQLAlchemy engine with the settings fengkong needs (WAL and busy timeout on SQLite)."""
    if url.startswith("sqlite"):
        memory = url in MEMORY_URLS
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, poolclass=StaticPool if memory else None
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # Checkpoints run in a background thread (Database), never inside a commit.
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


def shown(url: str) -> str:
    """A database URL fit for messages: the password replaced."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def aware(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive UTC, PostgreSQL aware)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Scope(threading.local):
    """The transaction this thread has open, if any, and what to run after it commits."""

    conn: Connection | None = None
    after_commit: list[Callable[[], None]] | None = None


class Database:
    """One pool for every SQL store, and the UnitOfWork port over it."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "NORMAL", migrate_schema: bool = True):
        self.url = url
        self.engine = make_engine(url, sqlite_synchronous)
        self.dialect = self.engine.dialect.name
        self.memory = url in MEMORY_URLS
        self.paramstyle = self.engine.dialect.paramstyle
        if migrate_schema:
            try:
                migrate.upgrade(self.engine)
            except OperationalError as exc:
                self.engine.dispose()
                raise Unavailable(f"the database {shown(url)}", str(exc.orig).strip().splitlines()[0]) from None
        self._lock = threading.RLock()
        self._key_version: int | None = None
        self._writer: Connection | None = None
        self._scope = _Scope()
        self._closing = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if self.dialect == "sqlite" and not self.memory:
            self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="wal-checkpoint", daemon=True)
            self._checkpointer.start()

    # ------------------------------------------------------------------ the unit of work
    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self.transaction():
            yield

    def on_commit(self, action: Callable[[], None]) -> None:
        if self._scope.after_commit is None:
            action()
        else:
            self._scope.after_commit.append(action)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """The open transaction of this thread, or a new one committed when the block ends."""
        scope = self._scope
        if scope.conn is not None:
            yield scope.conn
            return
        with self._lock:
            conn = self._writer_connection()
            scope.conn, scope.after_commit = conn, []
            try:
                yield conn
                if self._key_version is not None:
                    self._check_key_version(conn)
                conn.commit()
            except BaseException:
                self._roll_back(conn)
                raise
            finally:
                actions, scope.conn, scope.after_commit = scope.after_commit, None, None
        for action in actions:
            action()

    def key_version(self) -> int:
        """The identifier-hash key version the stored hashes are made with."""
        with self.connect() as conn:
            return stamps.read(conn, stamps.KEY_VERSION) or 1

    def held_key_version(self) -> int | None:
        return self._key_version

    def hold_key_version(self, version: int | None) -> None:
        """Commit nothing once the stored identifiers are re-keyed to another version (a rotation
        run while this process was up): what it would write is keyed with the old one.
        PostgreSQL: the check takes a share lock on the version's row, which the rotation holds
        exclusively from its start, so no commit slips in between its scan and its commit."""
        self._key_version = version

    def _check_key_version(self, conn: Connection) -> None:
        query = select(change_stamps.c.n).where(change_stamps.c.source == stamps.KEY_VERSION)
        if self.dialect == "postgresql":
            query = query.with_for_update(read=True)
        stored = int(conn.execute(query).scalar() or 1)
        if stored != self._key_version:
            raise Unavailable(
                "the database",
                f"its identifiers were re-keyed to key version {stored} while this process ran with "
                f"version {self._key_version}: restart it",
            )

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reading: the open transaction's, or one from the pool."""
        if self._scope.conn is not None:
            yield self._scope.conn
            return
        if self.memory:
            with self._lock:
                conn = self._writer_connection()
                try:
                    yield conn
                finally:
                    self._roll_back(conn)
            return
        with self.engine.connect() as conn:
            yield conn

    def _writer_connection(self) -> Connection:
        if self._writer is None or self._writer.closed or self._writer.invalidated:
            self._writer = self.engine.connect()
        return self._writer

    def _roll_back(self, conn: Connection) -> None:
        try:
            conn.rollback()
        except Exception:  # noqa: BLE001 - a dead connection: drop it, the next write reconnects
            self._writer = None
        if conn.invalidated:
            self._writer = None

    # ------------------------------------------------------------------ housekeeping
    def _checkpoint_loop(self) -> None:
        """Copy the WAL into the database file off the request path (PASSIVE: never blocks writers)."""
        path = self.url.split("sqlite:///", 1)[1]
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
        try:
            while not self._closing.wait(0.5):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    continue
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._closing.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout=10)
            self._checkpointer = None
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()
