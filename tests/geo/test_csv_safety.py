"""Cells a spreadsheet would run as formulas get a leading quote; numbers stay numbers."""

import pytest

from geo.csv_safety import neutralise, neutralise_cell


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-inf", "'-inf"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("-12.5", "-12.5"),
        ("+106.7", "+106.7"),
        ("-1e-5", "-1e-5"),
        ("-.5", "-.5"),
        ("\t26.6", "\t26.6"),
        ("中华社区", "中华社区"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("", ""),
    ],
)
def test_neutralise(text, want):
    assert neutralise(text) == want


def test_only_text_cells_change():
    assert neutralise_cell(-12.5) == -12.5
    assert neutralise_cell(-3) == -3
    assert neutralise_cell(None) is None
    assert neutralise_cell("=1") == "'=1"
