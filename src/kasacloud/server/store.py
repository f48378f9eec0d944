"""The embedded SQLite store: accounts, tokens, trusted terminals, devices and their state.

The server keeps its working set in memory and writes through to SQLite before it answers, so a
write the client saw acknowledged survives a crash (WAL mode, ``synchronous=FULL``). Calls are
synchronous and thread-safe; the server runs them in a worker thread, off the event loop.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kasacloud import _json

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    nickname TEXT NOT NULL,
    region TEXT NOT NULL,
    country_code TEXT NOT NULL,
    reg_time TEXT NOT NULL,
    mfa INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id TEXT NOT NULL,
    terminal TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS trusted_terminals (
    account_id TEXT NOT NULL,
    terminal TEXT NOT NULL,
    PRIMARY KEY (account_id, terminal)
);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    owner TEXT,
    profile TEXT NOT NULL,
    source TEXT,
    alias TEXT NOT NULL,
    region TEXT NOT NULL,
    online INTEGER NOT NULL,
    snapshot TEXT,
    write_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS devices_owner ON devices (owner);
"""


@dataclass(frozen=True, slots=True)
class AccountRow:
    """An account as stored."""

    account_id: str
    email: str
    password_hash: str
    nickname: str
    region: str
    country_code: str
    reg_time: str
    mfa: bool


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A token as stored: only its SHA-256, never the token itself."""

    token_hash: str
    kind: str
    account_id: str
    terminal: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """A hosted device as stored: how to rebuild it, who owns it, and its last state."""

    device_id: str
    owner: str | None
    profile: str
    source: str | None
    alias: str
    region: str
    online: bool
    snapshot: dict[str, Any] | None
    write_seq: int = 0


@dataclass(frozen=True, slots=True)
class DeviceState:
    """A device's alias and state to store, with the sequence number of the write."""

    device_id: str
    alias: str
    snapshot: dict[str, Any]
    write_seq: int


class Store:
    """One SQLite database file (``kasacloud.db`` in the data dir)."""

    FILENAME = "kasacloud.db"

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = data_dir / self.FILENAME
        # Password and token hashes live here: the file is its owner's alone (SQLite gives the
        # -wal and -shm files the same mode).
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._lock = threading.Lock()
        # One connection shared by the worker threads, serialised by the lock.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the server answers, so an acknowledged write survives
        # even a power cut, not only a killed process.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._tx() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the database (a checkpoint folds the WAL back into the file)."""
        with self._lock:
            self._db.close()

    # --- meta -------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        """Whether no account was ever stored (the seed is applied only then)."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is None

    # --- accounts ---------------------------------------------------------------------------

    def load_accounts(self) -> list[AccountRow]:
        """Every account."""
        with self._lock:
            rows = self._db.execute(
                "SELECT account_id, email, password_hash, nickname, region, country_code,"
                " reg_time, mfa FROM accounts ORDER BY rowid"
            ).fetchall()
        return [AccountRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows]

    def put_accounts(self, accounts: list[AccountRow]) -> None:
        """Insert or replace accounts, in one transaction."""
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        a.account_id,
                        a.email,
                        a.password_hash,
                        a.nickname,
                        a.region,
                        a.country_code,
                        a.reg_time,
                        int(a.mfa),
                    )
                    for a in accounts
                ],
            )

    # --- tokens -----------------------------------------------------------------------------

    def load_tokens(self, not_expired_before: float) -> list[TokenRow]:
        """Tokens that expired after ``not_expired_before`` (older ones are dropped)."""
        with self._tx() as db:
            db.execute("DELETE FROM tokens WHERE expires_at < ?", (not_expired_before,))
            rows = db.execute(
                "SELECT token_hash, kind, account_id, terminal, expires_at FROM tokens"
            ).fetchall()
        return [TokenRow(*r) for r in rows]

    def put_tokens(self, tokens: Sequence[TokenRow], revoke: Sequence[str] = ()) -> None:
        """Store new tokens and delete revoked ones (by hash), in one transaction."""
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?)",
                [(t.token_hash, t.kind, t.account_id, t.terminal, t.expires_at) for t in tokens],
            )
            db.executemany("DELETE FROM tokens WHERE token_hash = ?", [(h,) for h in revoke])

    # --- trusted terminals ------------------------------------------------------------------

    def load_trusted_terminals(self) -> list[tuple[str, str]]:
        """(account_id, terminal) pairs that skip 2-step verification."""
        with self._lock:
            return [
                (r[0], r[1])
                for r in self._db.execute("SELECT account_id, terminal FROM trusted_terminals")
            ]

    def trust_terminal(self, account_id: str, terminal: str) -> None:
        """Remember a terminal that passed 2-step verification with ``terminalBindEnabled``."""
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO trusted_terminals VALUES (?, ?)", (account_id, terminal)
            )

    # --- devices ----------------------------------------------------------------------------

    def load_devices(self) -> list[DeviceRow]:
        """Every device, owned or not."""
        with self._lock:
            rows = self._db.execute(
                "SELECT device_id, owner, profile, source, alias, region, online, snapshot,"
                " write_seq FROM devices ORDER BY rowid"
            ).fetchall()
        return [
            DeviceRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                bool(r[6]),
                _json.loads(r[7]) if r[7] else None,
                r[8],
            )
            for r in rows
        ]

    def put_devices(self, devices: list[DeviceRow]) -> None:
        """Insert or replace devices, in one transaction (a 1,000-device seed is one commit)."""
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO devices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.device_id,
                        d.owner,
                        d.profile,
                        d.source,
                        d.alias,
                        d.region,
                        int(d.online),
                        _json.dumps_str(d.snapshot) if d.snapshot is not None else None,
                        d.write_seq,
                    )
                    for d in devices
                ],
            )

    def save_device_state(
        self, device_id: str, alias: str, snapshot: dict[str, Any], write_seq: int
    ) -> None:
        """Store a device's alias and state, unless a newer write (higher seq) is already there."""
        self.save_device_states([DeviceState(device_id, alias, snapshot, write_seq)])

    def save_device_states(self, states: Sequence[DeviceState]) -> None:
        """Store several devices' states in one transaction (one wait for the disk for all).

        Each is skipped where a newer write (higher seq) is already stored.
        """
        with self._tx() as db:
            db.executemany(
                "UPDATE devices SET alias = ?, snapshot = ?, write_seq = ?"
                " WHERE device_id = ? AND write_seq < ?",
                [
                    (s.alias, _json.dumps_str(s.snapshot), s.write_seq, s.device_id, s.write_seq)
                    for s in states
                ],
            )

    def set_owner(self, device_id: str, owner: str | None) -> None:
        """Bind a device to an account, or unbind it (``None``)."""
        with self._tx() as db:
            db.execute("UPDATE devices SET owner = ? WHERE device_id = ?", (owner, device_id))

    def max_write_seq(self) -> int:
        """The highest device write sequence stored (writes after a restart continue from it)."""
        with self._lock:
            row = self._db.execute("SELECT MAX(write_seq) FROM devices").fetchone()
        return int(row[0] or 0)
