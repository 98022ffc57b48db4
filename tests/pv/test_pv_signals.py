"""Signal table on a synthetic quarter with planted signals; thresholds; the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from nanotwin.cli import app
from nanotwin.errors import DesignError
from nanotwin.pv.faers import read_faers
from nanotwin.pv.signals import drug_event_counts, load_thresholds, signal_table
from nanotwin.pv.synthetic import PLANTED, write_quarter

NANO = ["Doxil", "Abraxane", "Onivyde", "Vyxeos", "Marqibo"]


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    d = tmp_path_factory.mktemp("faers")
    write_quarter(d, n_reports=20000, seed=17)
    return d


@pytest.fixture(scope="module")
def scored(quarter):
    counts = drug_event_counts(read_faers(quarter))
    table, prior = signal_table(counts, drugs=NANO)
    return counts, table, prior


def test_planted_pairs_are_signals_by_every_method(scored):
    _, table, _ = scored
    from nanotwin.pv.names import normalise_drug_name

    planted = {(normalise_drug_name(d), pt) for d, pt, _ in PLANTED}
    t = table.set_index(["drug", "pt"])
    strong = set()
    for pair in planted:
        row = t.loc[pair]
        assert row.signal, pair
        # with a handful of reports, or a modest excess of a common event, MGPS rightly waits
        if row.n11 >= 10 and row.n11 / row.E >= 5:
            assert row.n_methods == 4, pair
            strong.add(pair)
    assert len(strong) >= 2
    # the well-reported planted pairs lead the table ordered by EB05
    top = set(map(tuple, table.head(len(strong))[["drug", "pt"]].to_numpy()))
    assert top == strong


def test_mgps_shrinks_background_pairs(scored):
    """Background pairs are independent by construction: EBGM stays near 1 where the raw
    ROR of a few reports scatters widely, and EB05 flags none of them."""
    _, table, _ = scored
    from nanotwin.pv.names import normalise_drug_name

    planted = {(normalise_drug_name(d), pt) for d, pt, _ in PLANTED}
    bg = table[[(d, p) not in planted for d, p in zip(table.drug, table.pt, strict=True)]]
    assert len(bg) > 100
    assert (bg["eb05"] < 2).all()
    spread_ror = (bg["ror"].apply(abs).pipe(lambda s: (s.clip(lower=1e-9)).apply(
        lambda x: abs(__import__("math").log(x))))).median()
    spread_ebgm = bg["ebgm"].apply(lambda x: abs(__import__("math").log(x))).median()
    assert spread_ebgm < 0.5 * spread_ror


def test_counts_agree_with_a_direct_count(quarter, scored):
    """n11 of one pair recounted by hand from the deduplicated reports."""
    counts, _, _ = scored
    q = read_faers(quarter)
    dr = q.drug.filter(q.drug["role_cod"].is_in(["PS", "SS"]) & (q.drug["drug"] == "Onivyde"))
    ids = set(dr["primaryid"].to_list())
    rc = q.reac.filter(q.reac["pt"] == "Diarrhoea")
    n11 = len(ids & set(rc["primaryid"].to_list()))
    row = counts.filter((counts["drug"] == "Onivyde") & (counts["pt"] == "Diarrhoea"))
    assert row["n11"].item() == n11


def test_prior_is_refitted_only_when_not_given(scored):
    counts, table, prior = scored
    again, same = signal_table(counts, drugs=["Doxil"], prior=prior)
    assert same is prior
    t = table[table.drug == "Doxil"].set_index("pt")["ebgm"]
    assert again.set_index("pt")["ebgm"].sort_index().equals(t.sort_index())


def test_thresholds_from_yaml(tmp_path, scored):
    counts, _, prior = scored
    f = tmp_path / "th.yaml"
    f.write_text("min_count: 50\nebgm: {eb05_min: 1.5}\nmethods_required: 4\n")
    th = load_thresholds(f)
    assert (th.min_count, th.ebgm.eb05_min, th.prr.min) == (50, 1.5, 2.0)
    table, _ = signal_table(counts, thresholds=th, prior=prior, drugs=NANO)
    assert (table.loc[table.signal, "n11"] >= 50).all()
    f.write_text("prr: {minimum: 2}\n")
    with pytest.raises(DesignError, match="thresholds.prr.minimum"):
        load_thresholds(f)
    with pytest.raises(DesignError, match="none of"):
        signal_table(counts, prior=prior, drugs=["NOT A DRUG"])


def test_cli_signals_writes_outputs(quarter, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    res = runner.invoke(app, ["pv", "signals", str(quarter), "--out", str(out), "--top", "5"])
    assert res.exit_code == 0, res.output
    assert "Palmar-plantar" in res.output
    for name in ("signals.csv", "prior.json", "summary.json", "signals.png"):
        assert (out / name).is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["reports"] > 0 and summary["signals"] >= 5
    again = runner.invoke(app, ["pv", "signals", str(quarter), "--out", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_cli_errors_are_one_line(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["pv", "signals", str(tmp_path / "missing")])
    assert res.exit_code == 2
    assert res.output.strip().count("\n") == 0 and "does not exist" in res.output


def test_cli_table_and_normalise():
    runner = CliRunner()
    res = runner.invoke(app, ["pv", "table", "20", "80", "100", "9800"])
    assert res.exit_code == 0 and "ror: 24.5" in res.output
    res = runner.invoke(app, ["pv", "normalise", "Caelyx", "paclitaxel"])
    assert "Caelyx -> Doxil" in res.output and "paclitaxel -> PACLITAXEL" in res.output


@pytest.mark.slow
def test_one_million_reports(tmp_path):
    """The timing input of docs/pharmacovigilance.md: 10^6 cases end to end (no time asserted)."""
    write_quarter(tmp_path, n_reports=1_000_000, seed=0)
    counts = drug_event_counts(read_faers(tmp_path))
    table, prior = signal_table(counts, drugs=NANO)
    assert prior.converged
    assert table.head(5)["n_methods"].min() == 4
