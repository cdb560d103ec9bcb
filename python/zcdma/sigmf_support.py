#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Shared by the SigMF tests (not installed): the `sigmf` package (PyPI,
pinned in scripts/common.sh) validates the meta files and reads the samples.

The qa_sigmf*.py tests run with the interpreter of its venv (CMake registers
them so). Without the package, validate() and read_samples() skip the test,
saying why, unless ZCDMA_REQUIRE_SIGMF is set (scripts/test, CI): then they
fail."""

import json
import os
import unittest
import warnings

try:
    import sigmf
    from sigmf import sigmffile
    from sigmf import validate as sigmf_validate
except ImportError as e:
    sigmf = None
    _import_error = e

REQUIRED = bool(os.environ.get("ZCDMA_REQUIRE_SIGMF"))


def require():
    """The sigmf package, or SkipTest (a failure when it is required)."""
    if sigmf is not None:
        return sigmf
    msg = (
        f"the sigmf package is not importable ({_import_error}); "
        "make its venv with: bash -c 'source scripts/common.sh && sigmf_venv', "
        "then re-run cmake"
    )
    if REQUIRED:
        raise RuntimeError(msg + " (ZCDMA_REQUIRE_SIGMF is set)")
    raise unittest.SkipTest(msg)


def _meta_path(path):
    base = str(path)
    for ext in (".sigmf-data", ".sigmf-meta"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base + ".sigmf-meta"


def validate(meta_path):
    """Validates a .sigmf-meta file (or the meta of a .sigmf-data file) with
    the package's validator: schema, ascending sample_start, and that the
    data file holds a whole number of samples. Raises ValueError naming the
    file and what is wrong; returns the parsed metadata (a dict)."""
    require()
    meta_path = _meta_path(meta_path)
    try:
        with open(meta_path) as f:
            meta = json.load(f)
        # The reader only warns about a data file that is not a whole
        # number of samples (or undeclared extensions): errors here.
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sigmf_validate.validate(meta)
            # Opening it checks the data file against the datatype and
            # any core:sha512. The reader cannot open an empty data file
            # (it maps it): an empty recording is checked by the schema.
            data_path = meta_path[: -len(".sigmf-meta")] + ".sigmf-data"
            if not os.path.exists(data_path) or os.path.getsize(data_path) > 0:
                sigmffile.fromfile(meta_path)
    except Exception as e:
        raise ValueError(f"{meta_path}: invalid SigMF: {type(e).__name__}: {e}") from e
    return meta


def read_samples(path, start_index=0, count=-1):
    """The samples of a recording (PATH, PATH.sigmf-meta or PATH.sigmf-data)
    as read by the package's reader: a numpy array of the recording's type
    (complex64 for cf32_le, float32 for rf32_le; integer types are scaled
    to float by the reader unless autoscale is off, so use raw bytes for
    those)."""
    require()
    handle = sigmffile.fromfile(_meta_path(path))
    return handle.read_samples(start_index=start_index, count=count)


def read_meta(path):
    """The package's SigMFFile for PATH (for captures and annotations)."""
    require()
    return sigmffile.fromfile(_meta_path(path))


def write_recording(path, samples, datatype, sample_rate=None, **global_fields):
    """Writes PATH.sigmf-data (the samples' bytes) and PATH.sigmf-meta with
    the package's writer; returns the data file's path."""
    require()
    data_path = str(path) + ".sigmf-data"
    samples.tofile(data_path)
    info = {sigmf.DATATYPE_KEY: datatype, sigmf.VERSION_KEY: sigmf.__specification__}
    if sample_rate is not None:
        info[sigmf.SAMPLE_RATE_KEY] = sample_rate
    info.update(global_fields)
    meta = sigmffile.SigMFFile(data_file=data_path, global_info=info)
    meta.add_capture(0)
    meta.tofile(str(path) + ".sigmf-meta")
    return data_path
