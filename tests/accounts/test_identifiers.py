import pytest
from django.core.exceptions import ValidationError

from ketenportal.utils.identifiers import (
    elfproef,
    normalise_fiscaal_nummer,
    normalise_kvk_nummer,
    normalise_postcode,
)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("69599084", "69599084"),
        (" 6959 9084 ", "69599084"),
        ("69.59.90.84", "69599084"),
        ("'01098765", "01098765"),
    ],
)
def test_kvk_normalised(value, expected):
    assert normalise_kvk_nummer(value) == expected


@pytest.mark.parametrize("value", ["1098765", "123456789", "6959908A", "", "1234"])
def test_kvk_refused(value):
    with pytest.raises(ValidationError):
        normalise_kvk_nummer(value)


def test_kvk_from_a_spreadsheet_number_gets_its_zero_back():
    assert normalise_kvk_nummer(1098765, restore_leading_zero=True) == "01098765"
    assert normalise_kvk_nummer(1098765.0, restore_leading_zero=True) == "01098765"
    assert normalise_kvk_nummer("1098765", restore_leading_zero=True) == "01098765"


@pytest.mark.parametrize("value", ["814276337", "815423718", "002300102"])
def test_elfproef_valid(value):
    assert elfproef(value)
    assert normalise_fiscaal_nummer(value) == value


@pytest.mark.parametrize("value", ["814276330", "123456789", "000000000", "12345678"])
def test_fiscaal_nummer_refused(value):
    with pytest.raises(ValidationError):
        normalise_fiscaal_nummer(value)


def test_postcode():
    assert normalise_postcode("1234 ab") == "1234AB"
    with pytest.raises(ValidationError):
        normalise_postcode("0123AB")
