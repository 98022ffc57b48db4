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

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nanotwin.errors import DesignError

__all__ = ["Study", "load_study", "ImagingSpec", "SweepSpec", "RunSpec", "Objective"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ImagingSpec(_Frozen):
    """A PET (or SPECT) surrogate of the therapy particle: same particle, another label."""

    nuclide: str
    chelator: str | None = None
    scan_time: float = 24.0  # h

    @field_validator("scan_time", mode="before")
    @classmethod
    def _t(cls, v: Any) -> float:
        from nanotwin.units import to_canonical

        return to_canonical(v, "h", "imaging.scan_time")


class RunSpec(_Frozen):
    """How to run: in-process unless a scheduler is given or ``use_dask`` is true
    (:mod:`nanotwin.population.distributed`); ``dask_min_subjects`` is kept for older study
    files and no longer switches to Dask by itself."""

    scheduler: str | None = None
    n_workers: int = Field(2, ge=1, le=64)
    chunk_size: int = Field(2000, ge=1)
    dask_min_subjects: int = Field(20000, ge=1)
    use_dask: bool | None = None  # None/False: in-process unless a scheduler is given
    zarr: str | None = None
    rtol: float = Field(1e-6, gt=0, lt=1e-2)


class Objective(_Frozen):
    """One optimisation objective: an endpoint and whether to maximise it."""

    endpoint: str
    goal: Literal["max", "min"]


class SweepSpec(_Frozen):
    """Design variables (ranges) and the sampling of a design sweep."""

    method: Literal["lhs", "grid"] = "lhs"
    n: int = Field(32, ge=1, le=100000)
    variables: dict[str, tuple[float, float]]
    nuclides: list[str] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    generations: int = Field(0, ge=0, le=200)
    population: int = Field(32, ge=4, le=10000)
    constraints: dict[str, float] = Field(default_factory=dict)  # endpoint -> upper limit

    @field_validator("variables")
    @classmethod
    def _vars(cls, v: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        allowed = {"size", "zeta", "peg_density", "ligand_density"}
        for k, (lo, hi) in v.items():
            if k not in allowed:
                raise ValueError(f"unknown variable {k!r}; use {', '.join(sorted(allowed))}")
            if not lo < hi:
                raise ValueError(f"{k}: low {lo} must be < high {hi}")
        return v


class Study(_Frozen):
    """A virtual trial or design-sweep study."""

    name: str
    design: str
    species: Literal["mouse", "rat", "human"] | None = None
    n_subjects: int = Field(100, ge=1, le=10_000_000)
    seed: int = 0
    variability: dict[str, float] = Field(default_factory=dict)
    times: list[float] = Field(default_factory=lambda: [1.0, 4.0, 24.0, 48.0, 72.0, 168.0])
    therapy_activity: float | None = None  # MBq
    tumor_dose_threshold: float | None = None  # Gy
    tumor_response: bool = False  # add TCP / time to regrowth (nanotwin.tumor.endpoints)
    organ_dose_limits: dict[str, float] = Field(default_factory=dict)  # Gy
    imaging: list[ImagingSpec] = Field(default_factory=list)
    sweep: SweepSpec | None = None
    run: RunSpec = Field(default_factory=RunSpec)
    base_dir: str = "."

    @field_validator("therapy_activity", mode="before")
    @classmethod
    def _act(cls, v: Any) -> float | None:
        from nanotwin.units import to_canonical

        return None if v is None else to_canonical(v, "MBq", "therapy_activity")

    @field_validator("tumor_dose_threshold", mode="before")
    @classmethod
    def _gy(cls, v: Any) -> float | None:
        if v is None:
            return None
        if isinstance(v, str):
            return float(v.replace("Gy", "").strip())
        return float(v)

    @field_validator("times")
    @classmethod
    def _times(cls, v: list[float]) -> list[float]:
        if not v or any(b <= a for a, b in zip(v, v[1:], strict=False)) or v[0] <= 0:
            raise ValueError("must be increasing hours > 0, e.g. [1, 24, 168]")
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
    import yaml

    if isinstance(source, Mapping):
        data = dict(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise DesignError(f"study: file {str(path)!r} not found; give the path of a YAML "
                              "study file")
        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise DesignError(f"study: {path.name} is not valid YAML ({exc.__class__.__name__})"
                              "; check indentation") from None
        if not isinstance(data, dict):
            raise DesignError(f"study: {path.name} must be a mapping of fields; see "
                              "examples/studies/")
        data.setdefault("base_dir", str(path.parent))
    try:
        return Study.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "study"
        msg = err["msg"].removeprefix("Value error, ")
        raise DesignError(f"study.{loc}: {msg}; see docs/population.md for the fields",
                          f"study.{loc}") from None
