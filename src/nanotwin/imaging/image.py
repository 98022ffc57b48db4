"""The image object returned by every modality, with NIfTI and DICOM writers/readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nanotwin.errors import DesignError

__all__ = ["Image", "read_dicom_series", "read_nifti"]

# DICOM SOP classes (PS3.4 Annex B)
_SOP = {
    "PET": ("1.2.840.10008.5.1.4.1.1.128", "PT"),  # PET Image Storage
    "CT": ("1.2.840.10008.5.1.4.1.1.2", "CT"),  # CT Image Storage
    "MRI": ("1.2.840.10008.5.1.4.1.1.4", "MR"),  # MR Image Storage
}
_SECONDARY = ("1.2.840.10008.5.1.4.1.1.7", "OT")  # Secondary Capture Image Storage


@dataclass(frozen=True)
class Image:
    """A simulated image.

    Attributes
    ----------
    array
        float32 voxel values, indexed [x, y, z] (3-D) or [x, z] (planar optical images).
    spacing_mm, origin_mm
        Voxel size and position of the first voxel (mm), per array axis.
    units
        Units of the values (``"Bq/mL"``, ``"HU"``, ``"a.u."``, ...).
    modality
        ``"PET"``, ``"SPECT"``, ``"CT"``, ``"MRI"``, ``"NIRF"``, ``"PA"``, ``"CLI"``, ``"CRET"``.
    time_h
        Time after injection.
    metadata
        Scanner parameters, sources and settings used.

    Examples
    --------
    >>> im = Image(np.zeros((4, 4, 4), np.float32), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), "HU",
    ...            "CT", 1.0)
    >>> im.mip(1).shape
    (4, 4)
    """

    array: np.ndarray
    spacing_mm: tuple[float, ...]
    origin_mm: tuple[float, ...]
    units: str
    modality: str
    time_h: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    def mip(self, axis: int = 1) -> np.ndarray:
        """Maximum-intensity projection along ``axis`` (1 = antero-posterior, coronal MIP)."""
        if self.array.ndim == 2:
            return self.array
        return self.array.max(axis=axis)

    def _affine(self) -> np.ndarray:
        aff = np.eye(4)
        sp = list(self.spacing_mm) + [1.0] * (3 - len(self.spacing_mm))
        org = list(self.origin_mm) + [0.0] * (3 - len(self.origin_mm))
        aff[0, 0], aff[1, 1], aff[2, 2] = sp[0], sp[1], sp[2]
        aff[:3, 3] = org
        return aff

    def to_nifti(self, path: str | Path) -> Path:
        """Write a NIfTI-1 file (mm units; the value unit in ``descrip`` and ``intent_name``).

        Examples
        --------
        >>> import tempfile
        >>> im = Image(np.ones((3, 3, 3), np.float32), (0.5, 0.5, 0.5), (0.0, 0.0, 0.0),
        ...            "Bq/mL", "PET", 24.0)
        >>> back = read_nifti(im.to_nifti(Path(tempfile.mkdtemp()) / "pet.nii.gz"))
        >>> back.units, back.spacing_mm
        ('Bq/mL', (0.5, 0.5, 0.5))
        """
        import nibabel as nib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arr = self.array if self.array.ndim == 3 else self.array[:, None, :]
        img = nib.Nifti1Image(np.asarray(arr, dtype=np.float32), self._affine())
        hdr = img.header
        hdr.set_xyzt_units("mm", "sec")
        hdr["descrip"] = f"nanotwin {self.modality} t={self.time_h:g}h [{self.units}]"[:79]
        hdr.set_intent(0, name=self.units[:15])
        img.set_qform(self._affine(), code=1)
        img.set_sform(self._affine(), code=1)
        nib.save(img, str(path))
        return path

    def to_dicom(self, directory: str | Path, *, patient_id: str = "NANOTWIN",
                 patient_name: str = "nanotwin^phantom", study_uid: str | None = None,
                 series_number: int = 1) -> list[Path]:
        """Write a DICOM series, one file per axial (z) slice.

        PET, CT and MR use their own SOP classes; SPECT and optical images are written as
        Secondary Capture. Values are stored as int16 with a per-series RescaleSlope; PET and
        SPECT carry Units = BQML (0054,1001).

        Examples
        --------
        >>> import tempfile
        >>> a = np.arange(27, dtype=np.float32).reshape(3, 3, 3) * 100
        >>> im = Image(a, (1.0, 1.0, 2.0), (0.0, 0.0, 0.0), "Bq/mL", "PET", 4.0)
        >>> files = im.to_dicom(tempfile.mkdtemp())
        >>> back = read_dicom_series(files[0].parent)
        >>> float(np.abs(back.array - a).max()) < 0.1
        True
        """
        import datetime

        from pydicom.dataset import FileDataset, FileMetaDataset
        from pydicom.uid import ExplicitVRLittleEndian, generate_uid

        if self.array.ndim != 3:
            raise DesignError(f"to_dicom: {self.modality} image is planar; write it with "
                              f"to_nifti or as PNG")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        sop_class, modality = _SOP.get(self.modality, _SECONDARY)
        if self.modality == "SPECT":
            modality = "NM"
        arr = np.asarray(self.array, dtype=np.float64)
        if self.modality == "CT":
            slope, intercept = 1.0, 0.0
        else:
            intercept = 0.0
            lo = min(float(arr.min()), 0.0)
            hi = max(float(np.abs(arr).max()), 1e-30)
            slope = hi / 32000.0
            if lo < 0:
                slope = max(hi, -lo) / 32000.0
        study_uid = study_uid or generate_uid()
        series_uid = generate_uid()
        frame_uid = generate_uid()
        now = datetime.datetime.now()
        files = []
        nz = arr.shape[2]
        for k in range(nz):
            meta = FileMetaDataset()
            meta.MediaStorageSOPClassUID = sop_class
            meta.MediaStorageSOPInstanceUID = generate_uid()
            meta.TransferSyntaxUID = ExplicitVRLittleEndian
            path = out / f"slice_{k:04d}.dcm"
            ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
            ds.SOPClassUID = sop_class
            ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
            ds.Modality = modality
            ds.PatientID = patient_id
            ds.PatientName = patient_name
            ds.PatientBirthDate = ""
            ds.PatientSex = "O"
            ds.StudyInstanceUID = study_uid
            ds.SeriesInstanceUID = series_uid
            ds.FrameOfReferenceUID = frame_uid
            ds.StudyID = "1"
            ds.SeriesNumber = series_number
            ds.InstanceNumber = k + 1
            ds.StudyDate = ds.SeriesDate = now.strftime("%Y%m%d")
            ds.StudyTime = ds.SeriesTime = now.strftime("%H%M%S")
            ds.Manufacturer = "nanotwin (simulation)"
            ds.SeriesDescription = f"nanotwin {self.modality} {self.time_h:g} h p.i."[:64]
            ds.ImageType = ["DERIVED", "SECONDARY"]
            ds.ImagePositionPatient = [float(self.origin_mm[0]), float(self.origin_mm[1]),
                                       float(self.origin_mm[2] + k * self.spacing_mm[2])]
            ds.ImageOrientationPatient = [0, 1, 0, 1, 0, 0]  # rows along x, columns along y
            ds.PixelSpacing = [float(self.spacing_mm[0]), float(self.spacing_mm[1])]
            ds.SliceThickness = float(self.spacing_mm[2])
            ds.SpacingBetweenSlices = float(self.spacing_mm[2])
            ds.SliceLocation = float(self.origin_mm[2] + k * self.spacing_mm[2])
            ds.SamplesPerPixel = 1
            ds.PhotometricInterpretation = "MONOCHROME2"
            ds.Rows, ds.Columns = arr.shape[0], arr.shape[1]
            ds.BitsAllocated = 16
            ds.BitsStored = 16
            ds.HighBit = 15
            ds.PixelRepresentation = 1
            ds.RescaleSlope = f"{slope:.10g}"[:16]
            ds.RescaleIntercept = f"{intercept:g}"
            ds.RescaleType = "HU" if self.modality == "CT" else "US"
            if self.modality in ("PET", "SPECT"):
                ds.Units = "BQML"
                ds.DecayCorrection = "START"
                ds.CorrectedImage = ["ATTN", "DECY"]
            if self.modality == "PET":
                ds.SeriesType = ["STATIC", "IMAGE"]
                ds.NumberOfSlices = nz
            if self.modality == "CT":
                ds.KVP = float(self.metadata.get("kVp", 80))
            if self.modality == "MRI":
                ds.MagneticFieldStrength = float(self.metadata.get("field_T", 3.0))
                ds.RepetitionTime = float(self.metadata.get("TR_ms", 500.0))
                ds.EchoTime = float(self.metadata.get("TE_ms", 10.0))
                ds.ScanningSequence = "SE"
                ds.SequenceVariant = "NONE"
                ds.ScanOptions = ""
                ds.MRAcquisitionType = "3D"
            ds.ContentDate = ds.StudyDate
            ds.ContentTime = ds.StudyTime
            ds.ImageComments = f"units={self.units}; time_h={self.time_h:g}"
            pix = np.round((arr[:, :, k] - intercept) / float(ds.RescaleSlope))
            pix = np.clip(pix, -32768, 32767).astype(np.int16)
            ds.PixelData = pix.tobytes()
            ds.save_as(str(path), enforce_file_format=True)
            files.append(path)
        return files


def read_dicom_series(directory: str | Path) -> Image:
    """Read a series written by :meth:`Image.to_dicom` (or any single-frame axial series)."""
    import pydicom

    files = sorted(Path(directory).glob("*.dcm"))
    if not files:
        raise DesignError(f"dicom: no .dcm files in {directory}; give the series folder")
    dss = sorted((pydicom.dcmread(str(f)) for f in files),
                 key=lambda d: float(d.ImagePositionPatient[2]))
    slices = [d.pixel_array.astype(np.float64) * float(d.RescaleSlope)
              + float(d.RescaleIntercept) for d in dss]
    arr = np.stack(slices, axis=2).astype(np.float32)
    d0 = dss[0]
    dz = (float(dss[1].ImagePositionPatient[2]) - float(d0.ImagePositionPatient[2])
          if len(dss) > 1 else float(d0.SliceThickness))
    units = "Bq/mL" if getattr(d0, "Units", "") == "BQML" else (
        "HU" if d0.Modality == "CT" else "a.u.")
    mod = {"PT": "PET", "CT": "CT", "MR": "MRI", "NM": "SPECT"}.get(d0.Modality, "OT")
    return Image(arr, (float(d0.PixelSpacing[0]), float(d0.PixelSpacing[1]), dz),
                 tuple(float(v) for v in d0.ImagePositionPatient), units, mod, float("nan"))


def read_nifti(path: str | Path) -> Image:
    """Read a NIfTI file written by :meth:`Image.to_nifti`."""
    import nibabel as nib

    img = nib.load(str(path))
    aff = img.affine
    units = img.header.get_intent()[2] or "a.u."
    return Image(np.asarray(img.dataobj, dtype=np.float32),
                 tuple(float(aff[i, i]) for i in range(3)),
                 tuple(float(aff[i, 3]) for i in range(3)), units, "NIFTI", float("nan"))
