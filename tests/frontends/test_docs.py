"""The Python API page (docs/api.md) is a doctest: its examples are what wrp answers."""

from __future__ import annotations

import doctest
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_api_page_examples(monkeypatch):
    from tests.cli.test_examples import _uncommitted_policy_files
    new = _uncommitted_policy_files()
    if new:  # the page shows the committed rules (e.g. the list of jurisdictions)
        import pytest
        pytest.skip(f"uncommitted policy files ({', '.join(new)}): update docs/api.md before committing them")
    monkeypatch.chdir(ROOT)  # the examples name files under examples/
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # starlette's test client on httpx
        res = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                               optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 20 and res.failed == 0
