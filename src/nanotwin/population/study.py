"""Study files (YAML) for virtual trials and design sweeps, validated by frozen pydantic models.

A study names a design file (relative to the study file), the population, the endpoints and how
to run. Every problem is reported as one :class:`~nanotwin.errors.DesignError` line.

Examples
--------
>>> s = load_study({"name": "t", "design": "d.yaml", "n_subjects": 10})
>>> s.n_subjects, s.seed, s.run.chunk_size
(10, 0, 2000)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from nanotwin.errors import DesignError

__all__ = ["Study", "load_study", "ImagingSpec", "SweepSpec", "RunSpec", "Objective"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


#: Limits of study fields (beyond these a study is a typo or a hostile file). Times up to
#: 1e5 h (11 years); activities up to 1e6 MBq (1 TBq; therapies give <= ~11 GBq); doses and
#: dose limits up to 1e4 Gy (far above any tumour or organ dose); CVs 0-5 as in
#: :func:`nanotwin.population.population.sample_factors`.
Short = Annotated[str, StringConstraints(max_length=200)]
MAX_TIME_H = 1e5
MAX_ACTIVITY_MBQ = 1e6
MAX_DOSE_GY = 1e4
#: Physical ranges of the sweep variables (as in nanotwin.design.models): size 0.5 nm - 10 um,
#: |zeta| <= 150 mV, PEG density <= 10 chains/nm^2, <= 1e7 ligands per particle.
SWEEP_RANGES = {"size": (0.5, 1e4, "nm"), "zeta": (-150.0, 150.0, "mV"),
                "peg_density": (0.0, 10.0, "chains/nm^2"),
                "ligand_density": (0.0, 1e7, "copies per particle")}


def _finite_in(v: float, lo: float, hi: float, what: str, unit: str = "",
               lo_open: bool = True) -> float:
    u = f" {unit}" if unit else ""
    if not math.isfinite(v) or (v <= lo if lo_open else v < lo) or v > hi:
        raise ValueError(f"{what}: {v:g}{u} must be {'>' if lo_open else '≥'} {lo:g} and ≤ "
                         f"{hi:g}{u}")
    return v


class ImagingSpec(_Frozen):
    """A PET (or SPECT) surrogate of the therapy particle: same particle, another label."""

    nuclide: Annotated[str, StringConstraints(max_length=50)]
    chelator: Annotated[str, StringConstraints(max_length=50)] | None = None
    scan_time: float = 24.0  # h

    @field_validator("scan_time", mode="before")
    @classmethod
    def _t(cls, v: Any) -> float:
        from nanotwin.units import to_canonical

        return to_canonical(v, "h", "imaging.scan_time", low=0, high=MAX_TIME_H,
                            low_open=True)


class RunSpec(_Frozen):
    """How to run: in-process unless a scheduler is given or ``use_dask`` is true
    (:mod:`nanotwin.population.distributed`); ``dask_min_subjects`` is kept for older study
    files and no longer switches to Dask by itself."""

    scheduler: Short | None = None
    n_workers: int = Field(2, ge=1, le=64)
    chunk_size: int = Field(2000, ge=1, le=10_000_000)
    dask_min_subjects: int = Field(20000, ge=1)
    use_dask: bool | None = None  # None/False: in-process unless a scheduler is given
    zarr: Short | None = None
    rtol: float = Field(1e-6, gt=0, lt=1e-2)


class Objective(_Frozen):
    """One optimisation objective: an endpoint and whether to maximise it."""

    endpoint: Annotated[str, StringConstraints(max_length=100)]
    goal: Literal["max", "min"]


class SweepSpec(_Frozen):
    """Design variables (ranges) and the sampling of a design sweep."""

    method: Literal["lhs", "grid"] = "lhs"
    n: int = Field(32, ge=1, le=100000)
    variables: dict[str, tuple[float, float]] = Field(max_length=4)
    nuclides: list[Annotated[str, StringConstraints(max_length=60)]] = Field(
        default_factory=list, max_length=20)
    objectives: list[Objective] = Field(default_factory=list, max_length=10)
    generations: int = Field(0, ge=0, le=200)
    population: int = Field(32, ge=4, le=10000)
    constraints: dict[str, float] = Field(default_factory=dict, max_length=20)  # endpoint -> max

    @field_validator("variables")
    @classmethod
    def _vars(cls, v: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        from nanotwin.inputs import short

        for k, (lo, hi) in v.items():
            if k not in SWEEP_RANGES:
                raise ValueError(f"unknown variable {short(k)}; use "
                                 f"{', '.join(sorted(SWEEP_RANGES))}")
            a, b, unit = SWEEP_RANGES[k]
            for x in (lo, hi):
                _finite_in(x, a, b, k, unit, lo_open=k in ("peg_density", "ligand_density"))
            if not lo < hi:
                raise ValueError(f"{k}: low {lo:g} must be < high {hi:g}")
        return v

    @field_validator("constraints")
    @classmethod
    def _limits(cls, v: dict[str, float]) -> dict[str, float]:
        from nanotwin.inputs import short

        for k, x in v.items():
            if len(k) > 100:
                raise ValueError(f"endpoint {short(k)} is not an endpoint name")
            if not math.isfinite(x):
                raise ValueError(f"{k}: {x:g} is not a finite number; give an upper limit")
        return v


class Study(_Frozen):
    """A virtual trial or design-sweep study."""

    name: Short
    design: Annotated[str, StringConstraints(max_length=1000)]
    species: Literal["mouse", "rat", "human"] | None = None
    n_subjects: int = Field(100, ge=1, le=10_000_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    variability: dict[str, float] = Field(default_factory=dict, max_length=20)
    times: list[float] = Field(default_factory=lambda: [1.0, 4.0, 24.0, 48.0, 72.0, 168.0],
                               max_length=1000)
    therapy_activity: float | None = None  # MBq
    tumor_dose_threshold: float | None = None  # Gy
    tumor_response: bool = False  # add TCP / time to regrowth (nanotwin.tumor.endpoints)
    organ_dose_limits: dict[str, float] = Field(default_factory=dict, max_length=20)  # Gy
    imaging: list[ImagingSpec] = Field(default_factory=list, max_length=10)
    sweep: SweepSpec | None = None
    run: RunSpec = Field(default_factory=RunSpec)
    base_dir: Annotated[str, StringConstraints(max_length=4096)] = "."

    @field_validator("therapy_activity", mode="before")
    @classmethod
    def _act(cls, v: Any) -> float | None:
        from nanotwin.units import to_canonical

        return None if v is None else to_canonical(v, "MBq", "therapy_activity", low=0,
                                                   high=MAX_ACTIVITY_MBQ, low_open=True)

    @field_validator("tumor_dose_threshold", mode="before")
    @classmethod
    def _gy(cls, v: Any) -> float | None:
        from nanotwin.inputs import short

        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise ValueError(f"{short(v)} is not a dose; give e.g. 50 (Gy)")
        try:
            x = float(v.replace("Gy", "").strip()[:40]) if isinstance(v, str) else float(v)
        except (ValueError, OverflowError):
            raise ValueError(f"{short(v)} is not a dose; give e.g. 50 (Gy)") from None
        return _finite_in(x, 0.0, MAX_DOSE_GY, "threshold", "Gy")

    @field_validator("organ_dose_limits")
    @classmethod
    def _organ_limits(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            _finite_in(x, 0.0, MAX_DOSE_GY, str(k)[:60], "Gy")
        return v

    @field_validator("variability")
    @classmethod
    def _cv(cls, v: dict[str, float]) -> dict[str, float]:
        for k, x in v.items():
            _finite_in(x, 0.0, 5.0, f"{str(k)[:60]} (CV)", lo_open=False)
        return v

    @field_validator("times")
    @classmethod
    def _times(cls, v: list[float]) -> list[float]:
        if not v or any(b <= a for a, b in zip(v, v[1:], strict=False)) or v[0] <= 0 or \
                v[-1] > MAX_TIME_H:
            raise ValueError(f"must be increasing hours > 0 and ≤ {MAX_TIME_H:g}, e.g. "
                             "[1, 24, 168]")
        return v

    def design_path(self) -> Path:
        """The design file, relative to the study file's folder."""
        p = Path(self.design)
        return p if p.is_absolute() else Path(self.base_dir) / p


def load_study(source: str | Path | Mapping[str, Any]) -> Study:
    """Read and validate a study (YAML path or mapping).

    Raises
    ------
    DesignError
        One line naming the field, the problem and the fix.
    """
    from nanotwin.inputs import check_tree, cut, load_mapping_file

    if isinstance(source, Mapping):
        check_tree(source, "study")
        data = dict(source)
    else:
        path = Path(source)
        try:  # the file's own limits: size, UTF-8, nesting, YAML aliases, string length
            data = load_mapping_file(path, what="study file")
        except DesignError as exc:
            raise DesignError(f"study: {exc}", "study") from None
        data.setdefault("base_dir", str(path.parent))
    try:
        return Study.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = cut(".".join(str(x) for x in err["loc"]) or "study", 120)
        msg = cut(err["msg"].removeprefix("Value error, "), 300)
        raise DesignError(f"study.{loc}: {msg}; see docs/population.md for the fields",
                          f"study.{loc}") from None
