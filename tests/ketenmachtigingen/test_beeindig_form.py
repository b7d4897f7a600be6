"""Verwijder bedrijf: the end date is asked when "on a date" is chosen, so it is not labelled
optional (issue 18)."""

import re

import pytest
from django.urls import reverse

from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_the_end_date_is_not_labelled_optional(world):
    client = verified_client(world.beheerder.user)
    client.cookies["django_language"] = "nl"
    page = client.get(reverse("ketenmachtigingen:beeindig", args=[world.km.pk])).content.decode()
    label = re.search(r'<label[^>]*for="id_datum"[^>]*>(.*?)</label>', page, re.S).group(1)
    assert "Kies een opzeggingsdatum" in label and "optioneel" not in label
