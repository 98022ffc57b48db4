"""Frozen pydantic models of a nanoparticle design.

A :class:`Design` is what a scientist writes in a design file: the nanoparticle (platform, size,
shape, charge, coating, ligands), its radiolabels, contrast components and drug payloads, how it
is given and to whom. Every quantity accepts text with a unit ("30 nm", "5 MBq", "2 mg/kg",
"12.7 h") and is stored as a float in the canonical unit named in the field's description.

Limits used for validation, with their sources:

- |zeta potential| ≤ 150 mV: measured zeta potentials of colloids lie well inside ±100 mV
  (Bhattacharjee, J Control Release 2016;235:337); 150 mV leaves margin for typos only.
- Hydrodynamic diameter 0.5 nm – 10 µm: from small molecules / ultrasmall clusters to the largest
  injectable microparticles (Blanco et al., Nat Biotechnol 2015;33:941).
- Polydispersity index 0–1 by its definition in ISO 22412:2017 (cumulant analysis of DLS).

Every other quantity is also finite and inside a physical range, stated in the error message
(so a typo or a wrong unit is caught here and not as a solver failure later). The ranges are
wide — they exist to catch impossible values, not unusual ones:

- core density 1e-3 – 25 g/cm^3: from air (1.2e-3 g/cm^3 at 20 °C; gas-filled bubbles are
  the lightest cores) to the densest element, osmium, 22.59 g/cm^3 (CRC Handbook of Chemistry
  and Physics, 97th ed., 2016).
- PEG molecular weight ≤ 100 kDa and grafting density ≤ 10 chains/nm^2: PEGs on nanoparticles
  are 0.5–40 kDa at ≤ ~2 chains/nm^2 (Suk et al., Adv Drug Deliv Rev 2016;99:28).
- Ligand Kd 1e-6 – 1e7 nM: from tighter than streptavidin–biotin (Kd ~ 1e-14 M = 1e-5 nM;
  Green, Methods Enzymol 1990;184:51) to 10 mM, weaker than any useful targeting ligand;
  at most 1e7 copies per particle.
- Specific activity ≤ 1e10 MBq/mg: above the carrier-free specific activity of F-18
  (ln 2 / T½ × N_A / M = 3.5e9 MBq/mg with T½ = 109.8 min), the highest of the imaging
  nuclides; detachment half-life ≤ 1e6 h (~114 years: "never").
- Relaxivities r1, r2 ≤ 1e6 1/(mM s): ferrite particles reach r2 ~ 360 1/(mM s) per mM of
  metal (Lee et al., Nat Med 2007;13:95); per-particle relaxivities are ~1e3–1e5 times larger.
- Release: k_release ≤ 1e4 1/h (a time constant of 0.36 s); Weibull scale ≤ 1e6 h, shape
  ≤ 20; trigger rate multiplier ≤ 1e6.
- Trigger thresholds: pH 0–14; glutathione 0–100 mM (intracellular GSH is 1–10 mM; Schafer &
  Buettner, Free Radic Biol Med 2001;30:1191); temperature 0–100 °C; light 0–100 W/cm^2
  (photothermal lasers use 0.1–2 W/cm^2); enzyme activity (relative) 0–1e6.
- Dose ≤ 1e4 mg/kg (Hainfeld's gold contrast agent, among the largest doses ever given, was
  2.7 g Au/kg; Br J Radiol 2006;79:248); ≤ 1e25 particles; injected activity ≤ 1e6 MBq
  (1 TBq; therapies give ≤ ~11 GBq); calibration time within ±8760 h (a year).
- Tumour volume ≤ 1e7 mm^3 (10 L) and mass ≤ 1e4 g.
- Texts: names ≤ 200 characters, a description ≤ 10,000, each reference ≤ 2,000; at most 50
  ligands, 10 radiolabels, 20 contrast components, 20 payloads, 200 references, 10 triggers.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from nanotwin.units import check_range, to_canonical

__all__ = [
    "PLATFORMS",
    "SHAPES",
    "Peg",
    "Coating",
    "Ligand",
    "Nanoparticle",
    "Radiolabel",
    "ContrastComponent",
    "Trigger",
    "ReleaseGate",
    "Release",
    "Payload",
    "Administration",
    "Tumor",
    "Subject",
    "Design",
    "DEFAULT_BODY_WEIGHT_KG",
]

PLATFORMS = (
    "liposome", "polymeric", "micelle", "dendrimer", "gold", "iron_oxide", "silica",
    "mesoporous_silica", "quantum_dot", "upconversion", "carbon_nanotube", "graphene",
    "graphene_oxide", "carbon_dot", "melanin", "ferritin", "protein_cage", "albumin",
    "lipid_nanoparticle", "exosome", "hybrid", "copper_sulfide", "hdl", "polymer_drug_conjugate",
    "other",
)
SHAPES = ("sphere", "rod", "tripod", "cube", "star", "sheet", "tube", "cage", "other")

#: Default body weights (kg) when the design gives none: the species' average body weight in
#: ../shared/data/physiology/species_physiology.tsv (httk, from Davies & Morris 1993):
#: mouse 0.02 kg, rat 0.25 kg, human 70 kg.
DEFAULT_BODY_WEIGHT_KG = {"mouse": 0.02, "rat": 0.25, "human": 70.0}


def _q(unit: str, *, plain: bool = True, low: float | None = None,  # noqa: ANN202
       high: float | None = None, low_open: bool = False, high_open: bool = False,
       why: str = ""):
    """A BeforeValidator that converts text with units into ``unit``: finite, and within
    ``low`` .. ``high`` (in ``unit``) when given."""

    def convert(value: Any, info: Any) -> Any:
        if value is None:
            return None
        # Bare numbers are taken to be in the canonical unit only when the caller says so
        # (``load_design(..., canonical_numbers=True)``, used for round trips of dumped designs);
        # in files a quantity must carry its unit.
        allow = plain and bool((info.context or {}).get("canonical_numbers", False))
        return to_canonical(value, unit, info.field_name or "value", allow_plain=allow,
                            low=low, high=high, low_open=low_open, high_open=high_open, why=why)

    return BeforeValidator(convert, json_schema_input_type=float | str)


def _plain_number(value: Any) -> Any:
    """A number given as a number or as text ("50", "1e12"); other values are left to pydantic
    (which then names the type error)."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= 40:
            try:
                return float(text)
            except ValueError:
                return value
    return value


def _n(low: float | None = None, high: float | None = None, *,  # noqa: ANN202
       low_open: bool = False, high_open: bool = False, unit: str = "", why: str = ""):
    """A BeforeValidator for a plain number: finite and within ``low`` .. ``high``."""

    def check(value: Any, info: Any) -> Any:
        return _in_range(_plain_number(value), info, unit, low=low, high=high,
                         low_open=low_open, high_open=high_open, why=why)

    return BeforeValidator(check, json_schema_input_type=float | str)


def _in_range(value: Any, info: Any, unit: str = "", **bounds: Any) -> Any:
    """A number as a float checked by :func:`~nanotwin.units.check_range`; other values are
    returned unchanged for pydantic to name the type error."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            v = float(value)
        except OverflowError:  # an integer of hundreds of digits
            v = math.copysign(math.inf, value)
        return check_range(v, info.field_name or "value", unit, **bounds)
    return value


def _fraction_or_percent(value: Any, info: Any) -> Any:
    """Accept 0.95, "95 %" or "95%" for a fraction in 0..1."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%") and len(text) <= 40:
            try:
                value = float(text[:-1]) / 100.0
            except ValueError:
                return value
        else:
            value = _plain_number(value)
    return _in_range(value, info, low=0.0, high=1.0,
                     why="a fraction; or write a percentage such as '95 %'")


def _percent(value: Any, info: Any) -> Any:
    """Accept 12, "12 %" or "12%" for a percentage."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%") and len(text) <= 40:
            text = text[:-1]
        value = _plain_number(text)
    return _in_range(value, info, "%", low=0.0, high=100.0)


def _lower_token(value: Any, info: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower().replace("-", "_").replace(" ", "_").replace("/", "_")
    return value


Nm = Annotated[float, _q("nm")]
Mv = Annotated[float, _q("mV")]
Hours = Annotated[float, _q("h")]
Kg = Annotated[float, _q("kg")]
# the ranges of these quantities and their sources are in the module docstring
Wavelength = Annotated[float, _q("nm", low=200, high=2000, low_open=True, high_open=True)]
Mm3 = Annotated[float, _q("mm**3", low=0, high=1e7, low_open=True)]
TumorGrams = Annotated[float, _q("g", low=0, high=1e4, low_open=True)]
NanoMolar = Annotated[float, _q("nM", low=1e-6, high=1e7)]
Dalton = Annotated[float, _q("Da", low=0, high=1e5, low_open=True)]
PerNm2 = Annotated[float, _q("1/nm**2", low=0, high=10, low_open=True)]
PerHour = Annotated[float, _q("1/h", low=0, high=1e4)]
MgPerKg = Annotated[float, _q("mg/kg", low=0, high=1e4)]
ActivityMBq = Annotated[float, _q("MBq", low=0, high=1e6)]
GramPerCm3 = Annotated[float, _q("g/cm**3", low=1e-3, high=25,
                                 why="from air, 1.2e-3 g/cm^3 (gas-filled bubbles), to the "
                                     "densest element, osmium, 22.6 g/cm^3")]
MBqPerMg = Annotated[float, _q("MBq/mg", low=0, high=1e10, low_open=True,
                               why="carrier-free F-18 is 3.5e9 MBq/mg")]
Relaxivity = Annotated[float, _q("1/mM/s", low=0, high=1e6, low_open=True)]
DetachHours = Annotated[float, _q("h", low=0, high=1e6, low_open=True)]
ScaleHours = Annotated[float, _q("h", low=0, high=1e6, low_open=True)]
CalibrationHours = Annotated[float, _q("h", low=-8760, high=8760)]
#: Short texts (names, targets, models) and long ones.
Name = Annotated[str, StringConstraints(max_length=200)]
Fraction = Annotated[
    float, BeforeValidator(_fraction_or_percent, json_schema_input_type=float | str),
    Field(ge=0.0, le=1.0)]
Percent = Annotated[
    float, BeforeValidator(_percent, json_schema_input_type=float | str), Field(ge=0.0, le=100.0)]
Token = BeforeValidator(_lower_token)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True,
                              populate_by_name=True, allow_inf_nan=False)


class Peg(_Frozen):
    """Poly(ethylene glycol) corona."""

    molecular_weight: Dalton = Field(
        gt=0, le=1e5, description="PEG molecular weight [Da], e.g. '5 kDa'")
    surface_density: PerNm2 | None = Field(
        None, gt=0, le=10, description="grafting density [chains/nm^2]; None if unknown")


class Coating(_Frozen):
    """Surface coating: PEG, zwitterionic ligands, cell-membrane cloak."""

    peg: Peg | None = None
    zwitterionic: bool = False
    membrane_cloak: Annotated[
        Literal["rbc", "cancer_cell", "platelet", "leukocyte", "macrophage", "stem_cell",
                "hybrid"] | None, Token] = Field(None, description="cell-membrane cloak source")


class Ligand(_Frozen):
    """A targeting ligand on the particle surface."""

    name: Name
    kind: Annotated[
        Literal["antibody", "antibody_fragment", "peptide", "aptamer", "small_molecule",
                "protein", "other"], Token]
    target: Name = Field(description="target receptor, e.g. 'integrin avb3', 'nucleolin'")
    copies_per_particle: Annotated[float, _n(0, 1e7, low_open=True)] = Field(
        gt=0, le=1e7, description="ligand copies per particle")
    kd: NanoMolar = Field(gt=0, description="monovalent affinity Kd [nM], e.g. '10 nM'")


class Nanoparticle(_Frozen):
    """The particle itself."""

    platform: Annotated[Literal[PLATFORMS], Token]  # type: ignore[valid-type]
    core_material: Name | None = None
    hydrodynamic_diameter: Nm = Field(
        description="hydrodynamic diameter [nm] (DLS, number- or intensity-weighted as reported)")
    pdi: Annotated[float, _n(0, 1, why="ISO 22412")] | None = Field(
        None, description="polydispersity index (0..1)")
    shape: Annotated[Literal[SHAPES], Token] = "sphere"  # type: ignore[valid-type]
    aspect_ratio: Annotated[float, _n(1, 1000)] = Field(
        1.0, ge=1.0, le=1000.0, description="long/short axis (>= 1)")
    zeta_potential: Mv = Field(0.0, description="zeta potential [mV] in ~physiological buffer")
    density: GramPerCm3 | None = Field(
        None, gt=0, le=25, description="core density [g/cm^3]; None: platform default")
    coating: Coating = Coating()
    ligands: tuple[Ligand, ...] = Field((), max_length=50)

    @field_validator("hydrodynamic_diameter")
    @classmethod
    def _size(cls, v: float) -> float:
        if not math.isfinite(v) or v <= 0:
            raise ValueError(f"must be > 0 nm, got {v:g} nm; give the DLS diameter, e.g. 30 nm")
        if v < 0.5 or v > 10_000:
            raise ValueError(
                f"{v:g} nm is outside 0.5 nm – 10 µm; check the unit (e.g. '30 nm', '0.2 um')")
        return v

    @field_validator("pdi")
    @classmethod
    def _pdi(cls, v: float | None) -> float | None:
        if v is not None and not (0.0 <= v <= 1.0):
            raise ValueError(f"must lie between 0 and 1 (ISO 22412), got {v:g}")
        return v

    @field_validator("zeta_potential")
    @classmethod
    def _zeta(cls, v: float) -> float:
        if not math.isfinite(v) or abs(v) > 150:
            raise ValueError(
                f"|zeta| must be <= 150 mV, got {v:g} mV; check the sign and unit (e.g. '-12 mV')")
        return v


class Radiolabel(_Frozen):
    """A radionuclide carried by the particle."""

    nuclide: Annotated[str, StringConstraints(max_length=50)] = Field(
        description="nuclide, e.g. 'Lu-177', '177Lu', 'Tc-99m'")
    strategy: Annotated[Literal["chelator", "chelator_free"], Token] = "chelator"
    chelator: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        None, description="chelator name (catalog), e.g. 'DOTA'")
    radiochemical_purity: Fraction = 1.0
    specific_activity: MBqPerMg | None = Field(None, gt=0, description="[MBq/mg] of particle")
    detachment_half_life: DetachHours | None = Field(
        None, gt=0, description="in-vivo label detachment half-life [h]; None: from the catalog")

    @field_validator("nuclide")
    @classmethod
    def _nuclide(cls, v: str) -> str:
        from nanotwin.physics import canonical_nuclide

        return canonical_nuclide(v)

    @field_validator("chelator")
    @classmethod
    def _chelator_name(cls, v: str | None) -> str | None:
        if v is None:
            return None
        from nanotwin.catalog import get_chelator

        return get_chelator(v).name

    @model_validator(mode="after")
    def _chelator_holds_metal(self) -> Radiolabel:
        if self.strategy == "chelator_free":
            if self.chelator:
                raise ValueError(
                    f"chelator: {self.chelator!r} given with strategy 'chelator_free'; remove the "
                    "chelator or set strategy: chelator")
            return self
        if not self.chelator:
            raise ValueError(
                "chelator: strategy 'chelator' needs a chelator name (e.g. chelator: DOTA), or set "
                "strategy: chelator_free for intrinsic labels such as [64Cu]CuS")
        from nanotwin.catalog import chelators_for, get_chelator
        from nanotwin.physics import element

        chel = get_chelator(self.chelator)
        metal = element(self.nuclide)
        if not chel.holds(metal):
            others = ", ".join(chelators_for(metal)) or "none in the catalog"
            raise ValueError(
                f"chelator: {chel.name} does not hold {metal} ({self.nuclide}) stably; use a "
                f"chelator that does: {others}")
        return self


class ContrastComponent(_Frozen):
    """An imaging contrast component of the particle (MRI, CT, optical, photoacoustic)."""

    agent: Literal["Gd", "Mn", "iron_oxide", "Au", "Bi", "Hf", "I", "Yb", "dye",
                   "pa_absorber"]
    name: Name | None = Field(None, description="e.g. 'Cy5.5', 'ICG', 'Gd-DOTA'")
    mass_fraction: Fraction = Field(description="w/w of the particle (0..1 or '12 %')")
    r1: Relaxivity | None = Field(None, gt=0, description="longitudinal relaxivity [1/(mM s)]")
    r2: Relaxivity | None = Field(None, gt=0, description="transverse relaxivity [1/(mM s)]")
    excitation_wavelength: Wavelength | None = Field(None, gt=200, lt=2000, description="[nm]")
    emission_wavelength: Wavelength | None = Field(None, gt=200, lt=2000, description="[nm]")

    @field_validator("agent", mode="before")
    @classmethod
    def _agent(cls, v: Any) -> Any:
        if isinstance(v, str):
            t = v.strip()
            aliases = {"gd": "Gd", "gadolinium": "Gd", "mn": "Mn", "manganese": "Mn",
                       "fe": "iron_oxide", "iron": "iron_oxide", "iron_oxide": "iron_oxide",
                       "iron oxide": "iron_oxide", "spion": "iron_oxide", "au": "Au",
                       "gold": "Au", "bi": "Bi", "bismuth": "Bi", "hf": "Hf", "hafnium": "Hf",
                       "i": "I", "iodine": "I", "yb": "Yb", "ytterbium": "Yb", "dye": "dye",
                       "fluorophore": "dye", "nir_dye": "dye", "pa_absorber": "pa_absorber",
                       "photoacoustic_absorber": "pa_absorber"}
            return aliases.get(t.lower(), t)
        return v


class Trigger(_Frozen):
    """One stimulus that gates drug release."""

    kind: Annotated[Literal["ph", "glutathione", "enzyme", "temperature", "light"], Token]
    threshold: Annotated[float, _n()] = Field(
        description="pH below which / GSH [mM] above which / temperature [°C] above which / "
                    "enzyme activity (relative) above which / light irradiance [W/cm^2] above "
                    "which the trigger holds")
    enzyme: Name | None = Field(None, description="enzyme name for kind 'enzyme', e.g. 'MMP-2'")
    rate_multiplier: Annotated[float, _n(0, 1e6, low_open=True)] = Field(
        10.0, gt=0, description="release-rate factor when it holds")

    #: Threshold range per kind (module docstring): (low, high, unit).
    THRESHOLD_RANGES: ClassVar[dict[str, tuple[float, float, str]]] = {
        "glutathione": (0.0, 100.0, "mM"), "temperature": (0.0, 100.0, "°C"),
        "light": (0.0, 100.0, "W/cm^2"), "enzyme": (0.0, 1e6, "(relative activity)")}

    @model_validator(mode="after")
    def _check(self) -> Trigger:
        if self.kind == "ph" and not (0 < self.threshold < 14):
            raise ValueError(
                f"threshold: a pH threshold must lie between 0 and 14, got {self.threshold:g}")
        if self.kind in self.THRESHOLD_RANGES:
            lo, hi, unit = self.THRESHOLD_RANGES[self.kind]
            if not lo <= self.threshold <= hi:
                raise ValueError(
                    f"threshold: a {self.kind} threshold must lie between {lo:g} and {hi:g} "
                    f"{unit}, got {self.threshold:g}")
        if self.kind == "enzyme" and not self.enzyme:
            raise ValueError("enzyme: an enzyme trigger needs the enzyme's name, e.g. MMP-2")
        return self


class ReleaseGate(_Frozen):
    """Triggers combined by AND or OR."""

    combine: Annotated[Literal["and", "or"], Token] = "and"
    triggers: tuple[Trigger, ...] = Field(min_length=1, max_length=10)


class Release(_Frozen):
    """Drug release from the particle: burst plus first-order or Weibull kinetics."""

    burst_fraction: Fraction = 0.0
    model: Annotated[Literal["first_order", "weibull", "none"], Token] = "first_order"
    k_release: PerHour | None = Field(None, ge=0, description="first-order rate [1/h]")
    weibull_scale: ScaleHours | None = Field(None, gt=0, description="Weibull scale tau [h]")
    weibull_shape: Annotated[float, _n(0, 20, low_open=True)] | None = Field(
        None, gt=0, le=20, description="Weibull shape b")
    gate: ReleaseGate | None = None

    @model_validator(mode="after")
    def _params(self) -> Release:
        if self.model == "first_order" and self.k_release is None:
            raise ValueError(
                "k_release: first-order release needs k_release, e.g. k_release: '0.05 1/h'")
        if self.model == "weibull" and (self.weibull_scale is None or self.weibull_shape is None):
            raise ValueError(
                "Weibull release needs weibull_scale (e.g. '24 h') and weibull_shape (e.g. 0.8)")
        return self


class Payload(_Frozen):
    """A drug carried by the particle."""

    drug: Name
    drug_loading: Percent = Field(description="drug loading DL [% w/w of the particle]")
    encapsulation_efficiency: Percent | None = Field(None, description="EE [%]")
    release: Release = Release(model="none")


class Administration(_Frozen):
    """How the particle is given."""

    route: Annotated[
        Literal["iv", "ip", "sc", "intratumoral", "oral", "inhalation"], Token] = "iv"
    dose_mg_per_kg: MgPerKg | None = Field(None, description="particle mass dose [mg/kg]")
    particle_number: float | None = Field(None, description="particles injected")
    injected_activity: ActivityMBq | None = Field(None, description="injected activity [MBq]")
    calibration_time: CalibrationHours = Field(
        0.0, description="activity calibration time rel. to injection")
    blocking: bool = Field(False, description="co-injected excess free ligand (blocking study)")

    @field_validator("route", mode="before")
    @classmethod
    def _route(cls, v: Any) -> Any:
        aliases = {"intravenous": "iv", "i.v.": "iv", "intraperitoneal": "ip", "i.p.": "ip",
                   "subcutaneous": "sc", "s.c.": "sc", "it": "intratumoral",
                   "intratumoural": "intratumoral", "i.t.": "intratumoral", "po": "oral"}
        if isinstance(v, str):
            return aliases.get(v.strip().lower(), v.strip().lower())
        return v

    @field_validator("dose_mg_per_kg", "injected_activity")
    @classmethod
    def _non_negative(cls, v: float | None) -> float | None:
        if v is not None and (not math.isfinite(v) or v < 0):
            raise ValueError(f"must not be negative, got {v:g}; give the amount injected")
        return v

    @field_validator("particle_number", mode="before")
    @classmethod
    def _particles(cls, v: Any) -> Any:
        if isinstance(v, str) and len(v) <= 60:
            try:
                v = float(v.replace("particles", "").strip())
            except ValueError:
                return v
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 1e300:
            v = math.copysign(math.inf, v)
        if isinstance(v, int | float) and not isinstance(v, bool) and (
                not math.isfinite(v) or not 0 < v <= 1e25):
            raise ValueError(f"must be > 0 and at most 1e25 particles, got {v:g}; e.g. "
                             "particle_number: 1e12")
        return v


class Tumor(_Frozen):
    """The tumour in the subject."""

    model: Name = Field(description="cell line or model, e.g. 'U87MG', '4T1'")
    cancer_type: Name | None = Field(None, description="e.g. 'brain', 'breast'")
    graft: Annotated[
        Literal["xenograft", "allograft", "syngeneic", "spontaneous", "patient"], Token
    ] = "xenograft"
    site: Annotated[Literal["subcutaneous", "orthotopic", "metastatic"], Token] = "subcutaneous"
    volume: Mm3 | None = Field(None, gt=0, description="tumour volume [mm^3]")
    mass: TumorGrams | None = Field(None, gt=0, description="tumour mass [g]")


class Subject(_Frozen):
    """Who receives the particle."""

    species: Annotated[Literal["mouse", "rat", "human"], Token] = "mouse"
    body_weight: Kg = Field(0.02, description="body weight [kg]; default per species")
    tumor: Tumor | None = None

    @field_validator("species", mode="before")
    @classmethod
    def _species(cls, v: Any) -> Any:
        aliases = {"mice": "mouse", "rats": "rat", "patient": "human", "man": "human",
                   "woman": "human", "homo sapiens": "human", "mus musculus": "mouse"}
        if isinstance(v, str):
            return aliases.get(v.strip().lower(), v.strip().lower())
        return v

    @model_validator(mode="before")
    @classmethod
    def _default_weight(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("body_weight") is None:
            species = cls._species(data.get("species", "mouse"))
            if species in DEFAULT_BODY_WEIGHT_KG:
                data = {**data, "body_weight": f"{DEFAULT_BODY_WEIGHT_KG[species]} kg"}
        return data

    @field_validator("body_weight")
    @classmethod
    def _weight(cls, bw: float, info: ValidationInfo) -> float:
        species = info.data.get("species", "mouse")
        lo, hi = {"mouse": (0.005, 0.1), "rat": (0.05, 1.5), "human": (2.0, 300.0)}[species]
        if not (lo <= bw <= hi):
            raise ValueError(
                f"{bw:g} kg is implausible for a {species} ({lo:g}–{hi:g} kg); check the unit "
                "(e.g. '25 g' or '70 kg')")
        return bw


class Design(_Frozen):
    """A complete nanomedicine design: particle, labels, contrast, payloads, dosing, subject.

    Examples
    --------
    >>> d = Design.model_validate({
    ...     "name": "PEG liposome",
    ...     "nanoparticle": {"platform": "liposome", "hydrodynamic_diameter": "0.1 um"},
    ... })
    >>> d.nanoparticle.hydrodynamic_diameter, d.subject.species, d.subject.body_weight
    (100.0, 'mouse', 0.02)
    >>> d2 = d.model_copy(update={"name": "renamed"})
    >>> d2.name
    'renamed'
    """

    name: str = Field(min_length=1, max_length=200)
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    references: tuple[Annotated[str, StringConstraints(max_length=2_000)], ...] = Field(
        (), max_length=200)
    nanoparticle: Nanoparticle
    radiolabels: tuple[Radiolabel, ...] = Field((), max_length=10)
    contrast: tuple[ContrastComponent, ...] = Field((), max_length=20)
    payloads: tuple[Payload, ...] = Field((), max_length=20)
    administration: Administration = Administration()
    subject: Subject = Subject()

    @property
    def radiolabel(self) -> Radiolabel | None:
        """The first radiolabel, or None."""
        return self.radiolabels[0] if self.radiolabels else None
