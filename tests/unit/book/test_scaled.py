from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchangekit import MappingError
from exchangekit.book.scaled import decimals_needed, format_scaled, scale_of, to_scaled

D = Decimal


@given(units=st.integers(0, 10**15), scale=st.integers(0, 12), pad=st.integers(0, 4))
def test_a_written_value_reads_back_exactly_at_any_wider_scale(
    units: int, scale: int, pad: int
) -> None:
    text = format_scaled(units, scale)

    assert D(text) == D(units).scaleb(-scale)
    assert to_scaled(text, scale) == units
    assert to_scaled(text, scale + pad) == units * 10**pad


@pytest.mark.parametrize(
    ("text", "scale", "expected"),
    [
        ("0.00240000", 4, 24),  # trailing zeros beyond the scale are exact, not rounding
        ("100", 2, 10000),
        ("1.5", 3, 1500),
        (".5", 1, 5),
        ("5.", 0, 5),
        ("1e-3", 3, 1),  # exponent notation goes through Decimal
        ("1E+2", 0, 100),
        ("0", 8, 0),
    ],
)
def test_to_scaled_reads_the_shapes_exchanges_send(text: str, scale: int, expected: int) -> None:
    assert to_scaled(text, scale) == expected


@pytest.mark.parametrize(("text", "scale"), [("0.125", 2), ("1.00001", 4), ("1e-5", 4)])
def test_to_scaled_refuses_to_round(text: str, scale: int) -> None:
    assert to_scaled(text, scale) is None


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "-1.5", "NaN", "Infinity", "1,5"])
def test_to_scaled_rejects_what_is_not_a_level_number(text: str) -> None:
    with pytest.raises(MappingError):
        to_scaled(text, 4)


def test_decimals_needed_counts_significant_places_only() -> None:
    assert decimals_needed("1.2500") == 2
    assert decimals_needed("100") == 0
    assert decimals_needed("0.00000") == 0
    assert decimals_needed("1e-7") == 7


def test_scale_of_a_step_is_its_decimal_places() -> None:
    assert scale_of(D("0.01")) == 2
    assert scale_of(D("0.00100")) == 3
    assert scale_of(D("5")) == 0
    assert scale_of(D("1E+1")) == 0
    with pytest.raises(ValueError):
        scale_of(D("0"))


def test_format_scaled_pads_to_the_scale() -> None:
    assert format_scaled(5, 3) == "0.005"
    assert format_scaled(4528100, 2) == "45281.00"
    assert format_scaled(7, 0) == "7"
