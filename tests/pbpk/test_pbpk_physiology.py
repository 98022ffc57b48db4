"""Physiology tables: scaling and the portal liver flow."""

from __future__ import annotations

import pytest

from nanotwin.errors import DesignError
from nanotwin.pbpk.physiology import physiology


@pytest.mark.parametrize("species", ["mouse", "rat", "human"])
def test_liver_gets_a_quarter_of_cardiac_output(species):
    ph = physiology(species)
    share = ph.Q["liver"] / ph.cardiac_output
    assert 0.15 < share < 0.32  # Davies & Morris 1993: total liver flow 17-26 % of CO, not 3 %
    assert ph.Q["hepatic_artery"] > 0
    assert abs(ph.Q["liver"] - ph.Q["hepatic_artery"] - ph.Q["gut"] - ph.Q["spleen"]) < 1e-9


def test_scaling_volumes_with_bw_flows_with_bw075():
    a, b = physiology("rat", 0.25), physiology("rat", 0.5)
    assert b.V["liver"] / a.V["liver"] == pytest.approx(2.0)
    assert b.Q["kidney"] / a.Q["kidney"] == pytest.approx(2.0 ** 0.75)
    assert b.gfr / a.gfr == pytest.approx(2.0 ** 0.75)


def test_shared_table_matches_packaged_copy(shared_data):
    from nanotwin._paths import package_data

    for name in ("tissue_volumes_flows.tsv", "species_physiology.tsv"):
        assert (shared_data / "physiology" / name).read_bytes() == \
            package_data("physiology", name).read_bytes()


def test_bad_species():
    with pytest.raises(DesignError, match="species"):
        physiology("dog")
