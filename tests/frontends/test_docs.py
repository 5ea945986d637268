"""The Python API page (docs/api.md) is a doctest: its examples are what wrp answers."""

from __future__ import annotations

import doctest
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_api_page_examples(monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples name files under examples/
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # starlette's test client on httpx
        res = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                               optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 20 and res.failed == 0
