"""Audit trail in a real database: hash-chained entries, records, users, electronic signatures.

Every write — a user, a record version, a signature, a release — is an **entry** with who
(``user_id``), when (``ts``, UTC with offset), what (``action``, ``entity_type``, ``entity_id``,
``payload``), why (``reason``) and, for signatures, the **meaning** and the signer's printed
name, as 21 CFR Part 11 asks of electronic records and signatures (§11.10(e) audit trails with
date and time; §11.50 signature manifestations: printed name, date and time, meaning; §11.70
signatures linked to their records; §11.200(a) two distinct identification components — user
ID and password — at every signing).

Integrity: entry *n* stores ``hash = SHA-256(canonical JSON of its fields + prev_hash)`` with
``prev_hash`` the hash of entry *n − 1* (a hash chain), and a one-row ``audit_head`` table holds
the entry count and the last hash. :meth:`AuditTrail.verify` recomputes everything and reports
any single edited, deleted, inserted or reordered entry, an edited or deleted record version or
user, and a removed last entry (the head no longer matches). Someone able to rewrite the *whole*
chain and the head consistently is not detected by the database alone: keep the head hash that
``nanotwin qc verify`` prints somewhere else (a signed report, a second system).

Crash safety: each operation (entry, record version and head update) is one database
transaction (SQLite: ``BEGIN IMMEDIATE`` and its rollback journal; PostgreSQL: a row lock on the
head), so a writer killed mid-write leaves the trail as it was before that operation.

Databases: SQLite by default (``sqlite:///path.db``), PostgreSQL by URL
(``postgresql+psycopg://user@host:port/dbname``), through SQLAlchemy.

Examples
--------
>>> import tempfile, os
>>> url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "qc.db")
>>> trail = AuditTrail(url)
>>> _ = trail.add_user("ana", "Ana Q. Person", "s3cret-pass", roles=["qa"], reason="set-up")
>>> v = trail.record("batch", "B1", {"pdi": 0.11}, user_id="ana", password="s3cret-pass",
...                  reason="entered from the DLS report")
>>> _ = trail.sign("batch", "B1", user_id="ana", password="s3cret-pass", meaning="reviewed",
...                reason="data checked against raw files")
>>> trail.verify().ok
True
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nanotwin.errors import DesignError

__all__ = ["AuditTrail", "Entry", "VerifyReport", "MEANINGS", "GENESIS", "entry_hash",
           "default_url"]

#: Signature meanings (21 CFR 11.50(a)(3): "such as review, approval, responsibility, or
#: authorship").
MEANINGS = ("authored", "reviewed", "approved", "released", "rejected", "responsible")

#: ``prev_hash`` of the first entry.
GENESIS = "0" * 64

_ENTRY_FIELDS = ("seq", "entry_id", "ts", "user_id", "action", "entity_type", "entity_id",
                 "payload", "reason", "meaning", "signer_name", "prev_hash")


def default_url() -> str:
    """``$NANOTWIN_QC_DB`` or ``sqlite:///nanotwin-qc.db`` (in the working folder)."""
    return os.environ.get("NANOTWIN_QC_DB", "sqlite:///nanotwin-qc.db")


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def entry_hash(fields: dict[str, Any]) -> str:
    """SHA-256 (hex) of an entry's fields in canonical JSON (``hash`` itself excluded).

    Examples
    --------
    >>> len(entry_hash({k: None for k in _ENTRY_FIELDS}))
    64
    """
    return hashlib.sha256(_canonical({k: fields.get(k) for k in _ENTRY_FIELDS})
                          .encode("utf-8")).hexdigest()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One audit-trail entry (as stored)."""

    seq: int
    entry_id: str
    ts: str
    user_id: str
    action: str
    entity_type: str
    entity_id: str
    payload: dict[str, Any]
    reason: str
    meaning: str | None
    signer_name: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyReport:
    """Result of :meth:`AuditTrail.verify`."""

    ok: bool
    entries: int
    head_hash: str
    problems: tuple[str, ...] = field(default_factory=tuple)


def _tables(metadata: Any) -> dict[str, Any]:
    from sqlalchemy import Boolean, Column, Integer, String, Table, Text

    return {
        "entries": Table(
            "audit_entries", metadata,
            Column("seq", Integer, primary_key=True, autoincrement=False),
            Column("entry_id", String(36), nullable=False, unique=True),
            Column("ts", String(40), nullable=False),
            Column("user_id", String(64), nullable=False),
            Column("action", String(32), nullable=False),
            Column("entity_type", String(64), nullable=False),
            Column("entity_id", String(200), nullable=False),
            Column("payload", Text, nullable=False),
            Column("reason", Text, nullable=False),
            Column("meaning", String(32)),
            Column("signer_name", String(200)),
            Column("prev_hash", String(64), nullable=False),
            Column("hash", String(64), nullable=False)),
        "head": Table(
            "audit_head", metadata,
            Column("id", Integer, primary_key=True, autoincrement=False),
            Column("count", Integer, nullable=False),
            Column("last_hash", String(64), nullable=False)),
        "records": Table(
            "audit_records", metadata,
            Column("entity_type", String(64), primary_key=True),
            Column("entity_id", String(200), primary_key=True),
            Column("version", Integer, primary_key=True, autoincrement=False),
            Column("content", Text, nullable=False),
            Column("content_hash", String(64), nullable=False),
            Column("entry_seq", Integer, nullable=False)),
        "users": Table(
            "audit_users", metadata,
            Column("user_id", String(64), primary_key=True),
            Column("full_name", String(200), nullable=False),
            Column("roles", String(200), nullable=False),
            Column("salt", String(64), nullable=False),
            Column("pw_hash", String(128), nullable=False),
            Column("active", Boolean, nullable=False)),
    }


def _pw_hash(password: str, salt: str) -> str:
    # scrypt (RFC 7914) with n = 2^14, r = 8, p = 1
    return hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=2**14, r=8,
                          p=1, dklen=32).hex()


def _credential(user_id: str, full_name: str, roles: str, salt: str, pw_hash: str,
                active: bool) -> str:
    return _sha(_canonical([user_id, full_name, roles, salt, pw_hash, bool(active)]))


class AuditTrail:
    """A hash-chained audit trail with records, users and signatures in a SQL database.

    Parameters
    ----------
    url
        SQLAlchemy URL (default :func:`default_url`); tables are created if missing.
    clock
        Callable returning the current timezone-aware time (tests inject one).
    """

    def __init__(self, url: str | None = None, *, clock: Callable[[], datetime] | None = None
                 ) -> None:
        from sqlalchemy import MetaData, create_engine, event, insert, select
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

        self.url = url or default_url()
        self._clock = clock or (lambda: datetime.now(UTC))
        try:
            if self.url.startswith("sqlite"):
                self.engine = create_engine(self.url, connect_args={"timeout": 60})

                @event.listens_for(self.engine, "connect")
                def _sqlite_connect(dbapi_conn: Any, _rec: Any) -> None:
                    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
                    dbapi_conn.execute("PRAGMA synchronous=FULL")
                    dbapi_conn.execute("PRAGMA busy_timeout=60000")

                @event.listens_for(self.engine, "begin")
                def _sqlite_begin(conn: Any) -> None:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock first
            else:
                self.engine = create_engine(self.url, pool_pre_ping=True)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise DesignError(f"database: cannot use URL {self._safe_url()} ({exc}); give e.g. "
                              "sqlite:///qc.db or postgresql+psycopg://user@host/db",
                              "db") from None
        self.meta = MetaData()
        self.t = _tables(self.meta)
        try:
            self.meta.create_all(self.engine)
            with self.engine.begin() as conn:
                head = conn.execute(select(self.t["head"])).first()
                if head is None:
                    conn.execute(insert(self.t["head"]).values(id=1, count=0,
                                                               last_hash=GENESIS))
        except OperationalError as exc:
            raise DesignError(f"database: cannot open {self._safe_url()}: "
                              f"{str(exc.orig).splitlines()[0]}; check the URL and that the "
                              "server runs", "db") from None

    def _safe_url(self) -> str:
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - only for the message
            return "<the database URL>"

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # ----------------------------------------------------------------------- low level
    def _now(self) -> str:
        now = self._clock()
        if now.tzinfo is None:
            raise DesignError("clock: must give timezone-aware times", "clock")
        return now.astimezone(UTC).isoformat(timespec="microseconds")

    def _lock_head(self, conn: Any) -> Any:
        from sqlalchemy import select

        q = select(self.t["head"]).where(self.t["head"].c.id == 1)
        if self.engine.dialect.name != "sqlite":
            q = q.with_for_update()
        return conn.execute(q).one()

    def _append(self, conn: Any, *, user_id: str, action: str, entity_type: str,
                entity_id: str, payload: dict[str, Any], reason: str,
                meaning: str | None = None, signer_name: str | None = None) -> Entry:
        from sqlalchemy import insert, update

        if not str(reason).strip():
            raise DesignError("reason: every change needs a reason (why); give --reason",
                              "reason")
        head = self._lock_head(conn)
        fields = {"seq": int(head.count) + 1, "entry_id": str(uuid.uuid4()), "ts": self._now(),
                  "user_id": user_id, "action": action, "entity_type": entity_type,
                  "entity_id": str(entity_id), "payload": _canonical(payload),
                  "reason": str(reason), "meaning": meaning, "signer_name": signer_name,
                  "prev_hash": head.last_hash}
        h = entry_hash(fields)
        conn.execute(insert(self.t["entries"]).values(**fields, hash=h))
        conn.execute(update(self.t["head"]).where(self.t["head"].c.id == 1)
                     .values(count=fields["seq"], last_hash=h))
        return Entry(**{**fields, "payload": payload}, hash=h)

    def _user(self, conn: Any, user_id: str) -> Any:
        from sqlalchemy import select

        return conn.execute(select(self.t["users"]).where(
            self.t["users"].c.user_id == user_id)).first()

    def _authenticate(self, conn: Any, user_id: str, password: str) -> Any:
        u = self._user(conn, user_id)
        if u is None or not u.active or not hmac.compare_digest(
                _pw_hash(str(password), u.salt), u.pw_hash):
            raise DesignError(f"authentication: user {user_id!r} and password do not match an "
                              "active user; check both", "user")
        return u

    # -------------------------------------------------------------------------- users
    def add_user(self, user_id: str, full_name: str, password: str, *, roles: list[str],
                 reason: str, by: str | None = None, by_password: str | None = None) -> Entry:
        """Add a user. The first user needs no ``by``; later ones are added by an
        authenticated user with role ``admin`` or ``qa``.

        Raises
        ------
        DesignError
            Duplicate user, weak password (< 8 characters), or the adder is not allowed.
        """
        from sqlalchemy import func, insert, select

        if not user_id or not str(user_id).strip() or not full_name.strip():
            raise DesignError("user: give a user ID and the full (printed) name", "user")
        if len(password) < 8:
            raise DesignError("password: at least 8 characters", "password")
        role_text = ",".join(sorted({r.strip().lower() for r in roles if r.strip()}))
        with self.engine.begin() as conn:
            self._lock_head(conn)
            n_users = conn.execute(select(func.count()).select_from(self.t["users"])).scalar()
            if n_users:
                if by is None or by_password is None:
                    raise DesignError("user: only an existing admin or qa user may add users; "
                                      "give --by and that user's password", "by")
                adder = self._authenticate(conn, by, by_password)
                if not {"admin", "qa"} & set(adder.roles.split(",")):
                    raise DesignError(f"user: {by!r} has no admin or qa role", "by")
            if self._user(conn, user_id) is not None:
                raise DesignError(f"user: {user_id!r} exists already", "user")
            salt = os.urandom(16).hex()
            pw = _pw_hash(password, salt)
            conn.execute(insert(self.t["users"]).values(
                user_id=user_id, full_name=full_name, roles=role_text, salt=salt, pw_hash=pw,
                active=True))
            return self._append(
                conn, user_id=by or user_id, action="add_user", entity_type="user",
                entity_id=user_id, reason=reason,
                payload={"full_name": full_name, "roles": role_text,
                         "credential": _credential(user_id, full_name, role_text, salt, pw,
                                                   True)})

    # ------------------------------------------------------------------------ records
    def record(self, entity_type: str, entity_id: str, content: dict[str, Any], *,
               user_id: str, password: str, reason: str) -> int:
        """Store a new version of a record (version 1 = create); returns the version."""
        with self.engine.begin() as conn:
            self._authenticate(conn, user_id, password)
            return self._record(conn, entity_type, entity_id, content, user_id, reason)

    def _record(self, conn: Any, entity_type: str, entity_id: str, content: dict[str, Any],
                user_id: str, reason: str) -> int:
        from sqlalchemy import func, insert, select

        r = self.t["records"]
        last = conn.execute(select(func.max(r.c.version)).where(
            (r.c.entity_type == entity_type) & (r.c.entity_id == str(entity_id)))).scalar()
        version = 1 if last is None else int(last) + 1
        text = _canonical(content)
        ch = _sha(text)
        e = self._append(conn, user_id=user_id, action="create" if version == 1 else "update",
                         entity_type=entity_type, entity_id=str(entity_id), reason=reason,
                         payload={"version": version, "content_hash": ch, "content": content})
        conn.execute(insert(r).values(entity_type=entity_type, entity_id=str(entity_id),
                                      version=version, content=text, content_hash=ch,
                                      entry_seq=e.seq))
        return version

    def content(self, entity_type: str, entity_id: str, version: int | None = None
                ) -> dict[str, Any]:
        """A record's content (latest version by default)."""
        from sqlalchemy import select

        r = self.t["records"]
        q = select(r).where((r.c.entity_type == entity_type) & (r.c.entity_id == str(entity_id)))
        q = q.where(r.c.version == version) if version else q.order_by(r.c.version.desc())
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None:
            raise DesignError(f"record: no {entity_type} {entity_id!r}"
                              f"{f' version {version}' if version else ''} in the trail",
                              "record")
        return json.loads(row.content)

    # --------------------------------------------------------------------- signatures
    def sign(self, entity_type: str, entity_id: str, *, user_id: str, password: str,
             meaning: str, reason: str, version: int | None = None,
             require_role: str | None = None) -> Entry:
        """Electronically sign a record version (ID + password at each signing)."""
        with self.engine.begin() as conn:
            return self._sign(conn, entity_type, entity_id, user_id=user_id, password=password,
                              meaning=meaning, reason=reason, version=version,
                              require_role=require_role)

    def _sign(self, conn: Any, entity_type: str, entity_id: str, *, user_id: str,
              password: str, meaning: str, reason: str, version: int | None,
              require_role: str | None) -> Entry:
        from sqlalchemy import select

        if meaning not in MEANINGS:
            raise DesignError(f"meaning: {meaning!r} is not a signature meaning; use one of "
                              f"{', '.join(MEANINGS)}", "meaning")
        u = self._authenticate(conn, user_id, password)
        if require_role and require_role not in u.roles.split(","):
            raise DesignError(f"signature: {user_id!r} lacks the role {require_role!r} needed "
                              f"to sign as {meaning!r}", "user")
        r = self.t["records"]
        q = select(r).where((r.c.entity_type == entity_type) & (r.c.entity_id == str(entity_id)))
        q = q.where(r.c.version == version) if version else q.order_by(r.c.version.desc())
        row = conn.execute(q).first()
        if row is None:
            raise DesignError(f"signature: no {entity_type} {entity_id!r} to sign", "record")
        return self._append(conn, user_id=user_id, action="sign", entity_type=entity_type,
                            entity_id=str(entity_id), reason=reason, meaning=meaning,
                            signer_name=u.full_name,
                            payload={"version": int(row.version),
                                     "content_hash": row.content_hash})

    def release(self, batch: dict[str, Any], decision: dict[str, Any], *, user_id: str,
                password: str, reason: str) -> dict[str, Any]:
        """Record a batch and its release decision and sign it, in one transaction.

        The signature's meaning is ``released`` for a released or conditional decision and
        ``rejected`` otherwise; it needs role ``qa``. Returns versions and the entry hash.
        """
        status = decision.get("status")
        if status == "incomplete":
            raise DesignError("release: the decision is 'incomplete' (tests missing or limits "
                              "not set); nothing can be released or rejected yet", "release")
        meaning = "released" if status in ("released", "conditional") else "rejected"
        bid = str(batch["batch_id"])
        with self.engine.begin() as conn:
            self._authenticate(conn, user_id, password)
            vb = self._record(conn, "batch", bid, batch, user_id, reason)
            vd = self._record(conn, "decision", bid, decision, user_id, reason)
            e = self._sign(conn, "decision", bid, user_id=user_id, password=password,
                           meaning=meaning, reason=reason, version=vd, require_role="qa")
        return {"batch_version": vb, "decision_version": vd, "meaning": meaning,
                "signature_hash": e.hash, "signed_by": e.signer_name, "ts": e.ts}

    # ------------------------------------------------------------------------ reading
    def entries(self, entity_type: str | None = None, entity_id: str | None = None
                ) -> list[Entry]:
        """Entries in order (optionally of one entity)."""
        from sqlalchemy import select

        t = self.t["entries"]
        q = select(t).order_by(t.c.seq)
        if entity_type:
            q = q.where(t.c.entity_type == entity_type)
        if entity_id:
            q = q.where(t.c.entity_id == str(entity_id))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        out = []
        for row in rows:
            try:
                payload = json.loads(row.payload)
            except ValueError:
                payload = {"unreadable": row.payload}
            out.append(Entry(**{**row._asdict(), "payload": payload}))
        return out

    def verify(self) -> VerifyReport:
        """Recompute the chain, the head, every record version and every user.

        Returns
        -------
        VerifyReport
            ``ok`` is false with one line per problem found.
        """
        from sqlalchemy import select

        problems: list[str] = []
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.t["entries"]).order_by(
                self.t["entries"].c.seq)).all()
            head = conn.execute(select(self.t["head"])).first()
            recs = conn.execute(select(self.t["records"])).all()
            users = conn.execute(select(self.t["users"])).all()
        prev = GENESIS
        by_seq: dict[int, Any] = {}
        for i, row in enumerate(rows, start=1):
            d = row._asdict()
            by_seq[row.seq] = row
            if row.seq != i:
                problems.append(f"entry {i}: sequence number {row.seq} where {i} was expected "
                                "(an entry was deleted, inserted or renumbered)")
            if row.prev_hash != prev:
                problems.append(f"entry {row.seq}: its link to the previous entry is broken "
                                "(the previous entry was edited, deleted or moved)")
            if entry_hash(d) != row.hash:
                problems.append(f"entry {row.seq}: content does not match its hash (edited)")
            prev = row.hash
        if head is None:
            problems.append("head: the audit_head row is missing")
        else:
            if head.count != len(rows):
                problems.append(f"head: records {head.count} entries but the trail has "
                                f"{len(rows)} (entries deleted or added)")
            if head.last_hash != prev:
                problems.append("head: last hash does not match the last entry (the last entry "
                                "was edited or deleted)")
        seen_versions: set[tuple[str, str, int]] = set()
        for rec in recs:
            key = (rec.entity_type, rec.entity_id, rec.version)
            seen_versions.add(key)
            e = by_seq.get(rec.entry_seq)
            label = f"record {rec.entity_type} {rec.entity_id} v{rec.version}"
            if _sha(rec.content) != rec.content_hash:
                problems.append(f"{label}: content does not match its hash (edited)")
            if e is None or e.entity_type != rec.entity_type or e.entity_id != rec.entity_id:
                problems.append(f"{label}: no matching audit entry")
                continue
            try:
                p = json.loads(e.payload)
            except ValueError:
                continue  # the entry itself is reported above
            if p.get("version") != rec.version or p.get("content_hash") != rec.content_hash:
                problems.append(f"{label}: differs from what its audit entry recorded")
        cred: dict[str, str] = {}
        for row in rows:
            if row.action in ("create", "update"):
                try:
                    p = json.loads(row.payload)
                except ValueError:
                    continue
                key = (row.entity_type, row.entity_id, p.get("version"))
                if key not in seen_versions:
                    problems.append(f"record {row.entity_type} {row.entity_id} "
                                    f"v{p.get('version')}: deleted (entry {row.seq} created it)")
            if row.action == "add_user":
                try:
                    cred[row.entity_id] = json.loads(row.payload).get("credential", "")
                except ValueError:
                    pass
        names = set()
        for u in users:
            names.add(u.user_id)
            c = _credential(u.user_id, u.full_name, u.roles, u.salt, u.pw_hash, u.active)
            if cred.get(u.user_id) != c:
                problems.append(f"user {u.user_id}: name, roles or credentials differ from the "
                                "audited ones (edited outside nanotwin)")
        for uid in cred:
            if uid not in names:
                problems.append(f"user {uid}: deleted outside nanotwin")
        return VerifyReport(ok=not problems, entries=len(rows), head_hash=prev,
                            problems=tuple(problems))
