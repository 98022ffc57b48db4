"""Safe parsing of uploaded designs, and the SQLite store with its restart policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanotwin.errors import DesignError
from nanotwin.web.store import Store
from nanotwin.web.uploads import MAX_DESIGN_BYTES, parse_design_text


@pytest.mark.parametrize("text", [
    "name: !!python/object/apply:os.system ['echo hacked']\n",
    "name: !!python/name:os.system\n",
    "a: !custom_tag 3\n",
])
def test_yaml_tags_that_build_objects_are_refused(text: str) -> None:
    with pytest.raises(DesignError, match=r"^d\.yaml: malformed YAML at line 1"):
        parse_design_text(text, "d.yaml")


def test_yaml_aliases_are_refused_so_a_small_file_cannot_explode() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    with pytest.raises(DesignError, match="anchors and aliases"):
        parse_design_text(bomb, "bomb.yml")


def test_size_cap() -> None:
    big = b"name: x\n" + b"# " + b"x" * MAX_DESIGN_BYTES + b"\n"
    with pytest.raises(DesignError, match="larger than the 256 KiB"):
        parse_design_text(big, "big.yaml")


def test_malformed_yaml_message_is_the_cli_message(tmp_path: Path) -> None:
    from nanotwin.design import read_design_file

    text = "name: x\nnanoparticle:\n  platform: gold\n   size: 3\n"
    p = tmp_path / "d.yaml"
    p.write_text(text)
    with pytest.raises(DesignError) as cli:
        read_design_file(p)
    with pytest.raises(DesignError) as web:
        parse_design_text(text, "d.yaml")
    assert str(web.value) == str(cli.value)


def test_json_toml_and_not_a_mapping() -> None:
    assert parse_design_text('{"name": "j"}', "d.json") == {"name": "j"}
    assert parse_design_text('name = "t"\n', "d.toml") == {"name": "t"}
    with pytest.raises(DesignError, match="malformed JSON at line 1"):
        parse_design_text('{"name": }', "d.json")
    with pytest.raises(DesignError, match="must hold a mapping"):
        parse_design_text("- 1\n- 2\n", "d.yaml")
    with pytest.raises(DesignError, match="not UTF-8"):
        parse_design_text(b"\xff\xfe\x00name", "d.yaml")


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(DesignError, match="nested too deeply"):
        parse_design_text("[" * 5000 + "]" * 5000, "d.json")
    with pytest.raises(DesignError, match="nested too deeply"):
        parse_design_text("a: " + "[" * 50 + "]" * 50, "d.yaml")


def test_store_persists_across_instances(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    st = Store(db)
    did = st.save_design("d", "name: d\n", "h1")
    rid = st.create_run(did, "dose", {"phantom": None}, "name: d\n")
    st.mark_running(rid)
    st.set_progress(rid, 0.5, "half")
    st.finish(rid, {"a": 1}, {"x.csv": ("text/csv", b"1,2\n")})
    again = Store(db)
    run = again.get_run(rid)
    assert run["status"] == "done" and run["summary"] == {"a": 1} and run["progress"] == 1
    assert again.get_file(rid, "x.csv") == ("text/csv", b"1,2\n")
    assert again.get_file(rid, "../x.csv") is None
    assert [d["id"] for d in again.list_designs()] == [did]
    assert again.save_design("d2", "name: d2\n", "h2", did) == did  # update in place
    assert again.get_design(did)["name"] == "d2"


def test_restart_requeues_interrupted_runs_once_then_fails_them(tmp_path: Path) -> None:
    st = Store(tmp_path / "s.sqlite")
    did = st.save_design("d", "name: d\n", "h")
    queued = st.create_run(did, "biodistribution", {}, "name: d\n")
    running = st.create_run(did, "biodistribution", {}, "name: d\n")
    st.mark_running(running)
    assert st.recover() == {"requeued": 1, "failed": 0}
    assert st.get_run(queued)["status"] == "queued"
    assert st.get_run(running)["status"] == "queued"
    assert "resumed after a server restart" in st.get_run(running)["message"]
    st.mark_running(running)  # second attempt, interrupted again
    assert st.recover() == {"requeued": 0, "failed": 1}
    r = st.get_run(running)
    assert r["status"] == "failed" and "interrupted by a server restart 2 times" in r["error"]
    assert st.next_queued(set()) == queued
    assert st.next_queued({queued}) is None
