"""The package's metadata: one source for the version, a LICENSE file that matches the declared licence."""

from __future__ import annotations

from pathlib import Path

from setuptools.config.pyprojecttoml import read_configuration

import trtkit

ROOT = Path(__file__).resolve().parent.parent


def _project(expand: bool) -> dict:
    return read_configuration(ROOT / "pyproject.toml", expand=expand)["project"]


def test_the_version_has_one_source() -> None:
    declared = _project(expand=False)
    assert "version" not in declared and "version" in declared["dynamic"]  # not written twice
    assert _project(expand=True)["version"] == trtkit.__version__  # what a build puts in the metadata


def test_the_license_file_is_the_declared_apache_license() -> None:
    project = _project(expand=False)
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text and len(text.split()) > 1500  # the whole text, not a header


def test_classifiers_name_the_audience_and_python_but_not_the_license() -> None:
    classifiers = _project(expand=False)["classifiers"]
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    assert any(classifier.startswith("Intended Audience ::") for classifier in classifiers)
    assert not [classifier for classifier in classifiers if classifier.startswith("License ::")]  # PEP 639: the
    # SPDX expression in `license` is the one statement of the licence
