"""Names, half-lives and chains read from radioactivedecay's data file equal radioactivedecay's."""

from __future__ import annotations

import subprocess
import sys

import pytest
import radioactivedecay as rd

from nanotwin.errors import DesignError
from nanotwin.physics import canonical_nuclide, decay_modes, half_life
from nanotwin.physics.nuclear import _RD_DATASET, _chain_edges, _table

NAMES = [str(n) for n in rd.DEFAULTDATA.nuclides]


def test_same_data_set_and_nuclides():
    assert _RD_DATASET == rd.DEFAULTDATA.dataset_name
    assert list(_table().names) == NAMES


def _spellings(name: str) -> list[str]:
    sym, rest = name.split("-")
    mass = "".join(c for c in rest if c.isdigit())
    iso = rest[len(mass):]
    out = [name, f"{sym}{mass}{iso}", f"{mass}{iso}{sym}", name.lower(), name.upper(),
           f"{sym.lower()}{mass}{iso}", f"{mass}-{sym}{iso}", f" {sym} - {mass}{iso} "]
    return out


def test_every_nuclide_in_every_spelling_parses_as_radioactivedecay_parses_it():
    data = rd.DEFAULTDATA
    checked = 0
    for name in NAMES:
        for text in _spellings(name):
            try:
                expected = rd.utils.parse_nuclide(text, data.nuclides, data.dataset_name)
            except (ValueError, TypeError):
                expected = None
            if expected is None:  # our three candidate spellings may still resolve it
                continue
            assert canonical_nuclide(text) == expected, text
            checked += 1
    assert checked > 6 * len(NAMES)


@pytest.mark.parametrize("text", ["Lu-1777", "Xx-12", "177", "Lu", "Tc-99z", "Lu-177-m",
                                  "Lu_177", "Lu-0177x"])
def test_bad_names_raise_one_line(text):
    with pytest.raises(DesignError) as e:
        canonical_nuclide(text)
    assert "\n" not in str(e.value) and str(e.value).startswith("nuclide")


def test_half_lives_equal_radioactivedecay_for_every_nuclide():
    data = rd.DEFAULTDATA
    for name in NAMES:
        assert half_life(name, "s") == data.half_life(name, "s"), name
        assert half_life(name, "y") == pytest.approx(data.half_life(name, "y"), rel=1e-14)


def test_chains_and_modes_equal_radioactivedecay():
    for name in ("Ac-225", "Pb-212", "Th-227", "Ra-223", "Tb-149", "Tc-99m", "Cu-64", "I-131"):
        nuc = rd.Nuclide(name)
        mine = [(d, bf) for p, d, bf in _chain_edges(name) if p == name]
        assert mine == [(str(d), float(b)) for d, b in zip(nuc.progeny(),
                                                            nuc.branching_fractions(),
                                                            strict=True)]
        modes: dict[str, float] = {}
        for m, bf in zip(nuc.decay_modes(), nuc.branching_fractions(), strict=True):
            modes[str(m)] = modes.get(str(m), 0.0) + float(bf)
        assert sorted(decay_modes(name).values()) == sorted(modes.values())


def test_names_and_half_lives_do_not_import_radioactivedecay():
    code = ("import sys; from nanotwin.physics import canonical_nuclide, half_life, progeny;"
            "canonical_nuclide('99mTc'); half_life('Lu-177'); progeny('Pb-212');"
            "print('radioactivedecay' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == ["False", "False"]
