"""Audit trail: tamper detection (edited / deleted / reordered entries, records, users),
signatures, and crash safety (a writer killed mid-transaction), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from nanotwin.errors import DesignError
from nanotwin.qc.audit import AuditTrail

PG_ENV = "NANOTWIN_TEST_POSTGRES_URL"
PW = "correct horse battery"


def _pg_url():
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server for this run (.ci/run starts "
                    "one from Debian's packages and sets it)")
    return base


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'qc.db'}"
        return
    base = _pg_url()
    name = f"nanotwin_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Clock:
    """A deterministic clock: one second per call."""

    def __init__(self):
        self.t = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)

    def __call__(self):
        self.t += timedelta(seconds=1)
        return self.t


def _filled(url):
    trail = AuditTrail(url, clock=Clock())
    trail.add_user("qa1", "Quinn Assurance", PW, roles=["qa"], reason="first user")
    trail.add_user("op1", "Olga Operator", PW, roles=["operator"], reason="new operator",
                   by="qa1", by_password=PW)
    trail.record("batch", "B1", {"z_average": 104.0}, user_id="op1", password=PW,
                 reason="DLS entered")
    trail.record("batch", "B1", {"z_average": 105.0}, user_id="op1", password=PW,
                 reason="typo: 105 nm in the raw data")
    trail.sign("batch", "B1", user_id="qa1", password=PW, meaning="reviewed",
               reason="checked against raw data")
    trail.record("batch", "B2", {"z_average": 99.0}, user_id="op1", password=PW,
                 reason="DLS entered")
    return trail


def _sql(url, statement):
    eng = create_engine(url)
    with eng.begin() as c:
        for part in statement.split(";"):
            c.exec_driver_sql(part)
    eng.dispose()


def test_clean_trail_verifies(url):
    trail = _filled(url)
    rep = trail.verify()
    assert rep.ok, rep.problems
    assert rep.entries == 6 and len(rep.head_hash) == 64
    e = trail.entries("batch", "B1")
    assert [x.action for x in e] == ["create", "update", "sign"]
    assert e[2].meaning == "reviewed" and e[2].signer_name == "Quinn Assurance"
    assert e[1].reason.startswith("typo") and e[1].user_id == "op1"
    assert trail.content("batch", "B1") == {"z_average": 105.0}
    assert trail.content("batch", "B1", version=1) == {"z_average": 104.0}
    trail.close()


@pytest.mark.parametrize("tamper,expect", [
    ("UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = 3", "entry 3: content"),
    ("UPDATE audit_entries SET ts = '2025-01-01T00:00:00+00:00' WHERE seq = 5",
     "entry 5: content"),
    ("DELETE FROM audit_entries WHERE seq = 4", "entry 4"),
    ("DELETE FROM audit_entries WHERE seq = 6", "head"),
    ("UPDATE audit_entries SET seq = 1000 WHERE seq = 3; UPDATE audit_entries SET seq = 3 "
     "WHERE seq = 4; UPDATE audit_entries SET seq = 4 WHERE seq = 1000",
     "link to the previous entry"),
    ("UPDATE audit_records SET content = '{\"z_average\":95.0}' WHERE entity_id = 'B1' AND "
     "version = 2", "record batch B1 v2"),
    ("DELETE FROM audit_records WHERE entity_id = 'B2'", "record batch B2 v1: deleted"),
    ("UPDATE audit_users SET roles = 'qa' WHERE user_id = 'op1'", "user op1"),
    ("DELETE FROM audit_users WHERE user_id = 'op1'", "user op1: deleted"),
])
def test_single_tampering_is_detected(url, tamper, expect):
    trail = _filled(url)
    assert trail.verify().ok
    _sql(url, tamper)
    rep = trail.verify()
    assert not rep.ok
    assert any(expect in p for p in rep.problems), rep.problems
    trail.close()


def test_recomputed_single_entry_is_still_caught_by_the_chain(url):
    """An editor who also recomputes the edited entry's own hash breaks the next link."""
    from nanotwin.qc.audit import entry_hash

    trail = _filled(url)
    eng = create_engine(url)
    with eng.begin() as c:
        row = c.execute(text("SELECT * FROM audit_entries WHERE seq = 3")).mappings().one()
        d = dict(row)
        d["reason"] = "rewritten"
        c.execute(text("UPDATE audit_entries SET reason = :r, hash = :h WHERE seq = 3"),
                  {"r": "rewritten", "h": entry_hash(d)})
    eng.dispose()
    rep = trail.verify()
    assert not rep.ok and any("entry 4: its link" in p for p in rep.problems)
    trail.close()


def test_signatures_need_password_role_and_meaning(url):
    trail = _filled(url)
    with pytest.raises(DesignError, match="do not match"):
        trail.sign("batch", "B1", user_id="qa1", password="wrong password", meaning="approved",
                   reason="x")
    with pytest.raises(DesignError, match="not a signature meaning"):
        trail.sign("batch", "B1", user_id="qa1", password=PW, meaning="liked", reason="x")
    with pytest.raises(DesignError, match="lacks the role"):
        trail.sign("batch", "B1", user_id="op1", password=PW, meaning="approved", reason="x",
                   require_role="qa")
    with pytest.raises(DesignError, match="needs a reason"):
        trail.record("batch", "B3", {}, user_id="op1", password=PW, reason=" ")
    with pytest.raises(DesignError, match="only an existing admin or qa"):
        trail.add_user("x1", "X", PW, roles=[], reason="r")
    with pytest.raises(DesignError, match="no admin or qa role"):
        trail.add_user("x1", "X", PW, roles=[], reason="r", by="op1", by_password=PW)
    # refused operations wrote nothing
    assert trail.verify().entries == 6
    trail.close()


_WRITER = textwrap.dedent('''
    import sys, time
    from sqlalchemy import event
    from nanotwin.qc.audit import AuditTrail
    url, n_before_hang = sys.argv[1], int(sys.argv[2])
    trail = AuditTrail(url)
    done = 0

    @event.listens_for(trail.engine, "after_cursor_execute")
    def hang(conn, cursor, statement, params, context, executemany):
        # inside the transaction, after the entry row is written and before the head update
        if done >= n_before_hang and statement.lstrip().upper().startswith(
                "INSERT INTO AUDIT_ENTRIES"):
            print("IN-TRANSACTION", flush=True)
            time.sleep(600)

    for i in range(n_before_hang + 1):
        trail.record("batch", f"K{i}", {"i": i, "blob": "x" * 2000}, user_id="qa1",
                     password=sys.argv[3], reason="crash test")
        done += 1
        print("COMMITTED", i, flush=True)
''')


def test_writer_killed_mid_transaction_loses_nothing(url, tmp_path):
    trail = AuditTrail(url)
    trail.add_user("qa1", "Quinn Assurance", PW, roles=["qa"], reason="first user")
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    proc = subprocess.Popen([sys.executable, str(script), url, "5", PW],
                            stdout=subprocess.PIPE, text=True)
    committed = []
    deadline = time.time() + 120
    try:
        for line in proc.stdout:
            if line.startswith("COMMITTED"):
                committed.append(int(line.split()[1]))
            if line.startswith("IN-TRANSACTION") or time.time() > deadline:
                break
    finally:
        proc.kill()  # SIGKILL: no cleanup, no rollback by the writer
        proc.wait(timeout=30)
        proc.stdout.close()
    assert committed == [0, 1, 2, 3, 4]
    rep = trail.verify()
    assert rep.ok, rep.problems
    assert rep.entries == 1 + 5  # the user + the five committed records, not the sixth
    assert [e.entity_id for e in trail.entries("batch")] == [f"K{i}" for i in range(5)]
    # and the trail is writable again at once
    trail.record("batch", "after", {}, user_id="qa1", password=PW, reason="after the crash")
    assert trail.verify().ok
    trail.close()


def test_concurrent_writers_keep_one_chain(url, tmp_path):
    trail = AuditTrail(url)
    trail.add_user("qa1", "Quinn Assurance", PW, roles=["qa"], reason="first user")
    script = tmp_path / "w.py"
    script.write_text(textwrap.dedent('''
        import sys
        from nanotwin.qc.audit import AuditTrail
        t = AuditTrail(sys.argv[1])
        for i in range(8):
            t.record("batch", f"{sys.argv[2]}-{i}", {"i": i}, user_id="qa1",
                     password=sys.argv[3], reason="concurrency test")
    '''))
    procs = [subprocess.Popen([sys.executable, str(script), url, tag, PW]) for tag in "AB"]
    for p in procs:
        assert p.wait(timeout=180) == 0
    rep = trail.verify()
    assert rep.ok, rep.problems
    assert rep.entries == 17
    trail.close()


def test_bad_url_is_one_line():
    with pytest.raises(DesignError, match="database"):
        AuditTrail("notadb://x")
