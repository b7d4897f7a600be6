"""The certificate login URL is public, and the walk shows it never logs anyone in without the
trusted proxy: a good certificate in the header, sent straight from the internet (any address
that is not the proxy, with or without a guessed secret), by GET or POST, logs nobody in."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import certificates
from accounts.models import CertificaatDevice
from tests.accounts.certs import TestCA, header_value
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pki(settings, tmp_path):
    ca = TestCA()
    bundle, crl = ca.write(tmp_path)
    settings.CLIENT_CERT_CA_BUNDLE = bundle
    settings.CLIENT_CERT_CRLS = [crl]
    settings.CLIENT_CERT_TRUSTED_PROXIES = ["10.0.0.5"]
    settings.CLIENT_CERT_PROXY_SECRET = "juist"
    certificates.clear_caches()
    yield ca
    certificates.clear_caches()


@pytest.mark.parametrize("remote", ["127.0.0.1", "203.0.113.9", "10.0.0.6"])
@pytest.mark.parametrize("secret", [None, "juist", "fout"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_login_from_outside_the_proxy(pki, remote, secret, method):
    UserFactory(eh4=True, eh4_certificaat_serienummer="00000001800000000000")
    client = Client()
    headers = {"REMOTE_ADDR": remote, "HTTP_X_SSL_CLIENT_CERT": header_value(pki.client())}
    if secret is not None:
        headers["HTTP_X_CLIENT_CERT_PROXY_SECRET"] = secret
    response = getattr(client, method)(reverse("accounts:certificaat_login"), **headers)
    assert response.status_code in (200, 403)
    assert "_auth_user_id" not in client.session
    assert not CertificaatDevice.objects.exists()


def test_a_forwarded_for_header_does_not_make_the_proxy(pki, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    UserFactory(eh4=True, eh4_certificaat_serienummer="00000001800000000000")
    client = Client()
    client.post(
        reverse("accounts:certificaat_login"),
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="10.0.0.5",
        HTTP_X_SSL_CLIENT_CERT=header_value(pki.client()),
        HTTP_X_CLIENT_CERT_PROXY_SECRET="juist",
    )
    assert "_auth_user_id" not in client.session
