"""Multimodal imaging of nanoparticles: digital phantoms, concentration maps and fast image-space
models of PET, SPECT, CT, MRI, NIR fluorescence, photoacoustics, Cerenkov luminescence and
Cerenkov resonance energy transfer (CRET).

Examples
--------
>>> from nanotwin.imaging import mouse_phantom
>>> mouse_phantom(voxel_mm=1.0).species
'mouse'
"""

from __future__ import annotations

from nanotwin.imaging.api import MODALITIES, best_contrast_time, prepare, quantify, simulate, suv
from nanotwin.imaging.cerenkov import Fluorophore, cerenkov_yield
from nanotwin.imaging.image import Image, read_dicom_series, read_nifti
from nanotwin.imaging.maps import Agent, Contrast, OrganTable, agent_from_design, organ_table
from nanotwin.imaging.phantom import Phantom, human_phantom, make_phantom, mouse_phantom
from nanotwin.imaging.scanners import CTScanner

__all__ = [
    "MODALITIES", "Agent", "CTScanner", "Contrast", "Fluorophore", "Image", "OrganTable", "Phantom",
    "agent_from_design",
    "best_contrast_time", "cerenkov_yield", "human_phantom", "make_phantom", "mouse_phantom",
    "organ_table", "prepare", "quantify", "read_dicom_series", "read_nifti", "simulate", "suv",
]
