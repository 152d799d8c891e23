"""Tests for geo.codes: community and grid codes."""

import numpy as np
import pytest

from geo.codes import (
    GridCode,
    format_grid_code,
    parse_grid_code,
    validate_community_code,
    validate_grid_code,
)
from geo.errors import CodeError, GridmgrError


def test_valid_community_code_is_returned_stripped():
    assert validate_community_code("520103400") == "520103400"
    assert validate_community_code("  520103425\n") == "520103425"


def test_integer_community_code_is_converted():
    assert validate_community_code(520103417) == "520103417"
    assert validate_community_code(np.int64(520103417)) == "520103417"
    assert validate_grid_code(520103417002013) == "520103417002013"


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        ("52010340", ["8 digits", "expected 9", "'52010340'"]),
        ("5201034000", ["10 digits", "expected 9"]),
        ("", ["empty"]),
        ("   ", ["empty"]),
        ("52010340O", ["'O'", "position 9", "'52010340O'"]),
        ("520-103400", ["'-'", "position 4"]),
        ("５20103400", ["'５'", "position 1"]),
        ("520103000", ["community number 000"]),
    ],
)
def test_bad_community_code_names_the_rule(value, fragments):
    with pytest.raises(CodeError) as info:
        validate_community_code(value)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("value", [5.20103e8, 520103400.0, True, None, b"520103400"])
def test_community_code_of_wrong_type_is_rejected(value):
    with pytest.raises(CodeError, match="must be a string"):
        validate_community_code(value)


def test_float_message_explains_lost_digits():
    with pytest.raises(CodeError, match="floating-point"):
        validate_community_code(5.20103e8)


def test_code_error_is_a_domain_error_and_a_value_error():
    with pytest.raises(GridmgrError):
        validate_community_code("x")
    with pytest.raises(ValueError):
        validate_community_code("x")


def test_valid_grid_code():
    assert validate_grid_code("520103417002013") == "520103417002013"
    assert validate_grid_code(" 520103417002013 ", community_code="520103417") == (
        "520103417002013"
    )
    assert validate_grid_code("520103417002013", community_code=520103417) == "520103417002013"


@pytest.mark.parametrize(
    ("value", "fragments"),
    [
        ("52010341700201", ["14 digits", "expected 15", "'52010341700201'"]),
        ("5201034170020133", ["16 digits", "expected 15"]),
        ("520103417002O13", ["'O'", "position 13"]),
        ("520103417000013", ["residents' committee number 000", "digits 10-12"]),
        ("520103417002000", ["grid sequence number 000", "digits 13-15"]),
        ("520103000002013", ["community number 000"]),
    ],
)
def test_bad_grid_code_names_the_rule(value, fragments):
    with pytest.raises(CodeError) as info:
        validate_grid_code(value)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_grid_code_prefix_must_be_its_community():
    with pytest.raises(CodeError) as info:
        validate_grid_code("520103417002013", community_code="520103400")
    message = str(info.value)
    assert "'520103417'" in message
    assert "'520103400'" in message


def test_grid_code_with_malformed_community_code_reports_the_community_code():
    with pytest.raises(CodeError, match="community code '5201034'"):
        validate_grid_code("520103417002013", community_code="5201034")


def test_parse_grid_code():
    parsed = parse_grid_code("520103417002013")
    assert parsed == GridCode(community_code="520103417", committee=2, sequence=13)
    assert parsed.district_code == "520103"
    assert parsed.code == "520103417002013"
    assert str(parsed) == "520103417002013"
    with pytest.raises(AttributeError):
        parsed.committee = 3  # frozen


def test_parse_grid_code_rejects_bad_code():
    with pytest.raises(CodeError, match="expected 15"):
        parse_grid_code("520103417")


def test_format_grid_code_round_trips():
    assert format_grid_code("520103417", 2, 13) == "520103417002013"
    assert format_grid_code(community_code="520103400", committee=999, sequence=1) == (
        "520103400999001"
    )
    parsed = parse_grid_code(format_grid_code("520103425", 17, 250))
    assert (parsed.committee, parsed.sequence) == (17, 250)


@pytest.mark.parametrize(
    ("committee", "sequence", "fragment"),
    [
        (0, 1, "residents' committee number must be 1-999, got 0"),
        (1000, 1, "residents' committee number must be 1-999, got 1000"),
        (1, 0, "grid sequence number must be 1-999, got 0"),
        (1, -3, "grid sequence number must be 1-999, got -3"),
        (1.0, 1, "must be an integer"),
        (True, 1, "must be an integer"),
        (1, "2", "must be an integer"),
    ],
)
def test_format_grid_code_rejects_out_of_range_parts(committee, sequence, fragment):
    with pytest.raises(CodeError) as info:
        format_grid_code("520103417", committee, sequence)
    assert fragment in str(info.value)


def test_format_grid_code_validates_the_community_code():
    with pytest.raises(CodeError, match="expected 9"):
        format_grid_code("52010341", 1, 1)
