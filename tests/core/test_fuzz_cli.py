"""Fuzzing the command line: every bad input gets one clear line, nothing hangs, nothing
crashes, nothing is written on failure and nothing is overwritten by surprise.

Hypothesis (derandomized: the same cases on every run) draws mutations of the example designs,
study files and measured CSV tables from ``fuzz_cases`` — alias bombs, million-character
strings, bytes that are not UTF-8, infinite and absurd quantities, wrong types, deep nesting,
huge files — and every ``--out`` problem of every command with ``--out``. Each command runs
in-process (typer's CliRunner, with a time limit) in a folder of its own, and must

* exit 0, or exit 2 with exactly one line ``nanotwin: error: ...`` on standard error;
* never print a traceback and never report an internal error (exit 3);
* reject what the mutation made invalid (``expect == "reject"``);
* on failure leave the folder exactly as it was; on success change no file that was there
  before unless ``--overwrite`` was given.

A few of the inputs that used to hang (alias bomb, power towers in a unit, deep nesting, a
FIFO) also run as real subprocesses with a timeout. The ``slow`` variants draw thousands of
cases (``.ci/run``'s slow pass); ``benchmarks/fuzz_cli.py`` counts the outcomes.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import fuzz_cases as fc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nanotwin.cli import app

RUNNER = CliRunner()
#: In-process time limit of one command (the slowest accepted fuzz case takes a few seconds).
LIMIT_S = 120
DESIGNS = fc.design_bases()
STUDIES = fc.study_bases()
TABLES = fc.csv_bases()


class _Hang(BaseException):
    """Raised by the alarm when a command runs past its limit."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def alarm(signum, frame):  # noqa: ANN001
        raise _Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_case(case: fc.Case, folder: Path, only: tuple[str, ...] = ()
             ) -> list[tuple[list[str], int]]:
    """Run the commands of ``case`` (``only`` these, if given) in ``folder`` and check the rules
    (module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    fc.materialise(case, folder)
    codes = []
    for argv in case.commands:
        if only and argv[0] not in only:
            continue
        before = fc.snapshot(folder)
        with contextlib.chdir(folder), warnings.catch_warnings(), _time_limit(LIMIT_S):
            warnings.simplefilter("ignore")  # the CLI shows warnings; they are not errors
            res = RUNNER.invoke(app, argv)
        after = fc.snapshot(folder)
        where = f"{case.id} [{case.kind[:80]}] nanotwin {' '.join(a[:40] for a in argv)}"
        exc = res.exception
        assert exc is None or isinstance(exc, SystemExit), f"{where}: raised {exc!r}"
        err, out = res.stderr, res.stdout
        assert "Traceback" not in err + out, f"{where}: traceback\n{err[-2000:]}"
        assert res.exit_code in (0, 2), f"{where}: exit {res.exit_code}: {err[-500:]}"
        if res.exit_code == 2:
            lines = [ln for ln in err.splitlines() if ln.strip()]
            assert len(lines) == 1 and lines[0].startswith("nanotwin: error: "), \
                f"{where}: not one error line: {err[-1000:]!r}"
            assert not fc.changed(before, after), \
                f"{where}: failed but wrote {sorted(fc.changed(before, after))[:5]}"
        else:
            assert case.expected(argv[0]) != "reject", f"{where}: accepted an invalid input"
            old = {k for k, v in before.items() if v != "dir"}
            touched = {k for k in old if after.get(k) != before[k]}
            if "--overwrite" not in argv:
                assert not touched, f"{where}: replaced {sorted(touched)[:5]}"
            assert not touched & set(case.protected), f"{where}: replaced a protected file"
        codes.append((argv, res.exit_code))
    return codes


def _folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("case")


_SETTINGS = dict(derandomize=True, deadline=None, database=None, print_blob=False,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])


@st.composite
def _cases(draw, target: str, kinds: list[str]) -> fc.Case:  # noqa: ANN001
    bases = {"design": DESIGNS, "study": STUDIES, "csv": TABLES}[target]
    base = draw(st.sampled_from(bases))
    kind = draw(st.sampled_from(kinds))
    rng = random.Random(draw(st.integers(0, 2 ** 32 - 1)))
    make = {"design": fc.design_case, "study": fc.study_case, "csv": fc.csv_case}[target]
    return make(base, kind, rng, 0)


#: Mutations that write tens of MB or dump 50,000 items: a few in the default run, more in
#: the slow one.
_HEAVY = {"many_items", "raw_text"}
_LIGHT_DESIGN = [k for k in fc.DESIGN_KINDS if k not in _HEAVY]


# --------------------------------------------------------------------------- default variant

@settings(max_examples=60, **_SETTINGS)
@given(case=_cases("design", _LIGHT_DESIGN))
def test_fuzz_designs(case: fc.Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    run_case(case, _folder(tmp_path_factory))


@settings(max_examples=6, **_SETTINGS)
@given(case=_cases("design", sorted(_HEAVY)))
def test_fuzz_designs_heavy(case: fc.Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    run_case(case, _folder(tmp_path_factory))


@settings(max_examples=25, **_SETTINGS)
@given(case=_cases("csv", sorted(set(fc.CSV_KINDS))))
def test_fuzz_measured_tables(case: fc.Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    run_case(case, _folder(tmp_path_factory))


@settings(max_examples=15, **_SETTINGS)
@given(case=_cases("study", [k for k in fc.STUDY_KINDS if k not in _HEAVY]))
def test_fuzz_studies(case: fc.Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    run_case(case, _folder(tmp_path_factory))


#: The --out problems that fail before any computation (cheap for every command).
_REJECT_OUT = ["is_file", "below_file", "nonempty", "unwritable", "long_name",
               "bad_input_fresh"]
_CHEAP = ["simulate", "export-sbml", "dose-data", "schema"]


@pytest.mark.parametrize("kind", _REJECT_OUT)
@pytest.mark.parametrize("command", fc.OUT_COMMANDS)
def test_out_problems_give_one_line_and_write_nothing(command: str, kind: str,
                                                      tmp_path: Path) -> None:
    run_case(fc.out_case(command, kind), tmp_path)


@pytest.mark.parametrize("kind", ["fresh", "nonempty_overwrite"])
@pytest.mark.parametrize("command", _CHEAP)
def test_out_is_written_and_overwrite_replaces_only_its_files(command: str, kind: str,
                                                              tmp_path: Path) -> None:
    case = fc.out_case(command, kind)
    assert run_case(case, tmp_path)[0][1] == 0
    target = tmp_path / case.commands[0][case.commands[0].index("--out") + 1]
    assert target.exists()
    if kind == "nonempty_overwrite" and target.is_dir():
        assert (target / "keep.txt").read_bytes() == b"precious\n"  # other files stay


# --------------------------------------------------------------------------- real processes

def _nanotwin(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NANOTWIN_DEBUG"}
    return subprocess.run([sys.executable, "-m", "nanotwin", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _bomb_text() -> str:
    lines = ['a0: &a0 ["lol", "lol"]'] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\nname: *a9\nnanoparticle: {platform: *a9}\n"


def test_inputs_that_used_to_hang_fail_fast_in_a_real_process(tmp_path: Path) -> None:
    good = (fc.EXAMPLES / "hdl_89zr.yaml").read_text(encoding="utf-8")
    files = {
        "bomb.yaml": _bomb_text().encode(),
        "tower.yaml": good.replace("zeta_potential: -", "zeta_potential: 10**10**10 mV #",
                                   1).encode(),
        "long_unit.yaml": good.replace("name: ", f"name: {'x' * 900_000} ", 1)
        .replace("zeta_potential: ", "zeta_potential: '-10 mV**2' #", 1).encode(),
        "deep.json": ('{"name": "x", "nanoparticle": ' + "[" * 100_000 + "]" * 100_000
                      + "}").encode(),
        "deep.toml": ("name = " + "[" * 100_000 + "]" * 100_000 + "\n").encode(),
        "latin1.yaml": good.replace("name: ", "name: Müller ", 1).encode("latin-1"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    os.mkfifo(tmp_path / "fifo.yaml")
    names = [*files, "fifo.yaml"]
    res = _nanotwin(["validate", *names], tmp_path)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.returncode == 2, res.stderr[-2000:]
    assert "Traceback" not in res.stderr
    assert len(lines) == len(names) and all(ln.startswith("nanotwin: error: ") for ln in lines)
    for name, line in zip(names, lines, strict=True):
        assert name in line, line
    assert "alias" in lines[0] and "power" in lines[1] and "UTF-8" in lines[5]


def test_a_study_naming_a_fifo_fails_fast_in_a_real_process(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "d.yaml")
    (tmp_path / "s.yaml").write_text("name: t\ndesign: d.yaml\nn_subjects: 4\n")
    res = _nanotwin(["trial", "s.yaml", "--out", "o"], tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr[-2000:]
    assert res.stderr.strip().count("\n") == 0 and "regular file" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.yaml", "s.yaml"]


# --------------------------------------------------------------------------- slow variant

@pytest.mark.slow
@settings(max_examples=3000, **_SETTINGS)
@given(case=_cases("design", fc.DESIGN_KINDS))
def test_fuzz_designs_validate_thorough(case: fc.Case,
                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    run_case(case, _folder(tmp_path_factory), only=("validate",))


@pytest.mark.slow
@settings(max_examples=500, **_SETTINGS)
@given(case=_cases("design", fc.DESIGN_KINDS))
def test_fuzz_designs_thorough(case: fc.Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    run_case(case, _folder(tmp_path_factory))


@pytest.mark.slow
@settings(max_examples=400, **_SETTINGS)
@given(case=_cases("csv", sorted(set(fc.CSV_KINDS))))
def test_fuzz_measured_tables_thorough(case: fc.Case,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    run_case(case, _folder(tmp_path_factory))


@pytest.mark.slow
@settings(max_examples=200, **_SETTINGS)
@given(case=_cases("study", fc.STUDY_KINDS))
def test_fuzz_studies_thorough(case: fc.Case, tmp_path_factory: pytest.TempPathFactory) -> None:
    run_case(case, _folder(tmp_path_factory))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fresh", "nonempty_overwrite"])
@pytest.mark.parametrize("command", [c for c in fc.OUT_COMMANDS if c not in _CHEAP])
def test_out_is_written_by_every_command(command: str, kind: str, tmp_path: Path) -> None:
    assert run_case(fc.out_case(command, kind), tmp_path)[0][1] == 0


@pytest.mark.slow
def test_hundreds_of_mutated_designs_in_one_real_process(tmp_path: Path) -> None:
    """``nanotwin validate`` over 400 seeded mutations in a subprocess: no hang (timeout),
    no traceback, one line per rejected file."""
    rng = random.Random(18)
    names = []
    for i in range(400):
        base = DESIGNS[i % len(DESIGNS)]
        kinds = [k for k in fc.DESIGN_KINDS if k not in ("special_file", "raw_text")]
        case = fc.design_case(base, kinds[i % len(kinds)], random.Random(rng.random()), i)
        (name, data), = case.files.items()
        stem, dot, suffix = name.partition(".")
        names.append(f"{i:03d}-{stem}{dot}{suffix}")
        (tmp_path / names[-1]).write_bytes(data)
    res = _nanotwin(["validate", *names], tmp_path, timeout=600)
    assert res.returncode in (0, 2) and "Traceback" not in res.stderr, res.stderr[-3000:]
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("nanotwin: error: ")]
    others = [ln for ln in res.stderr.splitlines()
              if ln.strip() and not ln.startswith(("nanotwin: error: ", "nanotwin: warning: "))]
    assert not others, others[:5]
    valid = res.stdout.count("valid ")
    assert len(errors) + valid >= len(names) - 5  # rich may wrap a 'valid' line
