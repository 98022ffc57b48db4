"""Input limits (nanotwin.inputs), the --out policy (nanotwin.outputs) and the CLI's error
policy (nanotwin.cli.handle_errors), one rule per test."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from nanotwin.errors import DataError, DesignError
from nanotwin.inputs import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    load_mapping_file,
    parse_text,
    read_table,
)
from nanotwin.outputs import check_output_file, output_dir, output_file

GOOD = "name: x\nnanoparticle: {platform: gold, hydrodynamic_diameter: 30 nm}\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_files_with_a_byte_order_mark_are_decoded(tmp_path: Path, encoding: str) -> None:
    p = _write(tmp_path, "d.yaml", GOOD.encode(encoding))
    assert load_mapping_file(p)["name"] == "x"


def test_a_latin1_byte_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    p = _write(tmp_path, "d.yaml", "name: Müller\n".encode("latin-1"))
    with pytest.raises(DesignError, match=r"not UTF-8 text: byte 0xfc at line 1, column 8"):
        load_mapping_file(p)


def test_utf16_without_bom_is_named(tmp_path: Path) -> None:
    p = _write(tmp_path, "d.yaml", GOOD.encode("utf-16-le"))
    with pytest.raises(DesignError, match="UTF-16 without a byte-order mark"):
        load_mapping_file(p)


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    p = _write(tmp_path, "d.yaml", GOOD.encode() + b"#" * MAX_FILE_BYTES)
    with pytest.raises(DesignError, match="may be at most 1.0 MiB"):
        load_mapping_file(p)


def test_an_alias_bomb_is_refused_in_milliseconds() -> None:
    lines = ['a0: &a0 ["x", "x"]'] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    t0 = time.perf_counter()
    with pytest.raises(DesignError, match=f"more than {MAX_NODES} values .aliases expanded"):
        parse_text("\n".join(lines) + "\nname: *a9\n", "yaml", "bomb.yaml")
    assert time.perf_counter() - t0 < 5.0  # 10^9 values if expanded


def test_small_aliases_are_fine_and_recursive_ones_are_refused() -> None:
    assert parse_text("a: &x [1, 2]\nb: *x\n", "yaml")["b"] == [1, 2]
    with pytest.raises(DesignError, match="contains itself"):
        parse_text("a: &x [1, *x]\n", "yaml")


@pytest.mark.parametrize("kind, text", [
    ("yaml", "a: " + "[" * 100_000 + "]" * 100_000),
    ("json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("toml", "a = " + "[" * 100_000 + "]" * 100_000),
])
def test_deep_nesting_is_refused(kind: str, text: str) -> None:
    with pytest.raises(DesignError, match=f"more than {MAX_DEPTH} levels"):
        parse_text(text, kind, f"d.{kind}")


def test_long_strings_and_huge_integers_are_refused() -> None:
    with pytest.raises(DesignError, match="name: is 20000 characters long"):
        parse_text(f"name: {'x' * 20_000}\n", "yaml", "d.yaml")
    with pytest.raises(DesignError, match="too large"):
        parse_text(f"n: {10 ** 400}\n", "yaml", "d.yaml")


def test_special_files_are_refused_without_reading(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "f.yaml")  # opening it would block for ever
    with pytest.raises(DesignError, match="not a regular file"):
        load_mapping_file(tmp_path / "f.yaml")
    (tmp_path / "d.yaml").mkdir()
    with pytest.raises(DesignError, match="is a folder"):
        load_mapping_file(tmp_path / "d.yaml")


def test_csv_cells_are_finite_numbers_in_range(tmp_path: Path) -> None:
    numeric = {"time_h": (0.0, 1e5, "h"), "value": (0.0, 1e6, "")}
    ok = _write(tmp_path, "m.csv", b"# comment\norgan,time_h,value\nliver,1,5\n")
    assert read_table(ok, numeric=numeric)["value"].tolist() == [5.0]
    for row, message in [("liver,1e6,5", "outside the range 0–100000 h"),
                         ("liver,1,nan", "not a finite number"),
                         ("liver,1,1,5", "has 4 cells but the header has 3"),
                         ("liver,1,10**10**10", "is not a number")]:
        p = _write(tmp_path, "m.csv", f"organ,time_h,value\n{row}\n".encode())
        with pytest.raises(DataError, match=message):
            read_table(p, numeric=numeric)
    p = _write(tmp_path, "m.csv", b"organ;time_h;value\nliver;1;5\n")
    with pytest.raises(DataError, match="not semicolons"):
        read_table(p)


def test_output_dir_leaves_nothing_when_the_block_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), output_dir(tmp_path / "run") as tmp:
        (tmp / "half.csv").write_text("1")
        raise RuntimeError("failed while writing")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_only_files_of_the_same_name(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("keep")
    (out / "a.csv").write_text("old")
    with pytest.raises(DesignError, match="not empty"), output_dir(out):
        pass
    with output_dir(out, overwrite=True) as tmp:
        (tmp / "a.csv").write_text("new")
    assert (out / "a.csv").read_text() == "new" and (out / "keep.txt").read_text() == "keep"


def test_output_files_are_not_replaced_without_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "doses.csv"
    target.write_text("old")
    with pytest.raises(DesignError, match="exists; give a new file name or add --overwrite"):
        check_output_file(target)
    with pytest.raises(DesignError, match="is a folder"):
        check_output_file(tmp_path)
    with pytest.raises(DesignError, match="use one of .csv"):
        check_output_file(tmp_path / "doses.txt", suffixes=(".csv",))
    with output_file(target, overwrite=True) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == [
        "doses.csv"]


def _app(exc: BaseException) -> typer.Typer:
    from nanotwin.cli import handle_errors

    app = typer.Typer()

    @app.command()
    @handle_errors
    def boom() -> None:
        raise exc

    return app


def test_a_bug_is_one_line_with_exit_3_and_debug_shows_it(monkeypatch) -> None:
    monkeypatch.delenv("NANOTWIN_DEBUG", raising=False)
    res = CliRunner().invoke(_app(ZeroDivisionError("division by zero")), [])
    assert res.exit_code == 3
    assert res.stderr.strip().count("\n") == 0
    assert "internal error in boom (ZeroDivisionError: division by zero)" in res.stderr
    monkeypatch.setenv("NANOTWIN_DEBUG", "1")
    res = CliRunner().invoke(_app(ZeroDivisionError("division by zero")), [])
    assert isinstance(res.exception, ZeroDivisionError)  # developers get the real exception


@pytest.mark.parametrize("exc, text", [
    (FileNotFoundError(2, "No such file or directory", "x.yaml"), "file not found: x.yaml"),
    (PermissionError(13, "Permission denied", "/root/x"), "/root/x: permission denied"),
    (OSError(28, "No space left on device", "out.nc"), "the disk is full"),
    (MemoryError(), "out of memory"),
    (DataError("m.csv: row 2 is wrong; fix it"), "m.csv: row 2 is wrong"),
])
def test_user_problems_are_one_line_with_exit_2(exc: BaseException, text: str) -> None:
    res = CliRunner().invoke(_app(exc), [])
    assert res.exit_code == 2 and text in res.stderr, res.stderr
    assert res.stderr.startswith("nanotwin: error: ") and res.stderr.strip().count("\n") == 0
