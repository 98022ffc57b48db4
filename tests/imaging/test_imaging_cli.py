"""The ``nanotwin image`` command on a user table."""

from __future__ import annotations

from typer.testing import CliRunner

from nanotwin.cli import app


def _table(path):
    rows = ["organ,time_h,value,unit"]
    for organ, v1, v24 in (("liver", 20, 15), ("spleen", 10, 12), ("tumor", 2, 6),
                           ("muscle", 1, 0.5), ("blood", 30, 5), ("rest", 1, 0.5)):
        rows += [f"{organ},1,{v1},%ID/g", f"{organ},24,{v24},%ID/g"]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_image_command_writes_images_panel_and_table(tmp_path) -> None:
    csv = _table(tmp_path / "bd.csv")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["image", str(csv), "--modality", "pet,ct", "--times", "1,24",
                                   "--voxel", "1.0", "--nuclide", "Cu-64", "--activity", "10",
                                   "--out", str(out), "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert (out / "panel.png").stat().st_size > 1000
    assert (out / "pet_24h.nii.gz").is_file()
    assert len(list((out / "pet_24h_dicom").glob("*.dcm"))) > 10
    text = (out / "quantification.csv").read_text()
    assert "tumor" in text and "suv" in text
    assert "best tumour CNR" in res.output
    # the table carries no CT contrast element: the CT line says so instead of a "best" time
    assert "carries no CT contrast agent" in " ".join(res.output.split())


def test_image_command_bad_input_is_one_line(tmp_path) -> None:
    csv = _table(tmp_path / "bd.csv")
    res = CliRunner().invoke(app, ["image", str(csv), "--modality", "pet", "--times", "1",
                                   "--voxel", "1.0", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "injected_activity" in res.output and len(res.output.strip().splitlines()) == 1


def test_image_command_impossible_modality_writes_nothing(tmp_path) -> None:
    # NIRF needs a dye: the error comes before any PET/CT file is written.
    csv = _table(tmp_path / "bd.csv")
    out = tmp_path / "o"
    res = CliRunner().invoke(app, ["image", str(csv), "--modality", "pet,ct,nirf", "--times",
                                   "1,24", "--voxel", "1.0", "--nuclide", "Cu-64", "--activity",
                                   "10", "--out", str(out)])
    assert res.exit_code == 2
    assert "dye" in res.output and len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_image_command_end_to_end_from_design(tmp_path) -> None:
    from pathlib import Path

    design = Path(__file__).resolve().parents[2] / "examples" / "hdl_89zr.yaml"
    out = tmp_path / "e2e"
    res = CliRunner().invoke(app, ["image", str(design), "--modality", "pet", "--times", "24",
                                   "--voxel", "1.0", "--out", str(out), "--no-dicom"])
    assert res.exit_code == 0, res.output
    assert "tumor" in (out / "quantification.csv").read_text()
