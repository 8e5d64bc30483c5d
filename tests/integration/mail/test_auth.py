"""Sender authenticity against a real (local) DNS server: DKIM via dkimpy, SPF via pyspf, no patched globals."""

from __future__ import annotations

import asyncio
import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mail.auth import InvalidAddress, SenderAuthenticator, normalise_address
from tests.fixtures.fake_dns import FakeDNS, dead_resolver

DOMAIN = "xa-a.gov.vn"
SELECTOR = b"sel1"
CLIENT_IP = "192.0.2.10"


@pytest.fixture(scope="module")
def dkim_key() -> tuple[bytes, str]:
    """(private key PEM, DNS TXT value) for an RSA-2048 DKIM key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, "v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()


@pytest.fixture
def zone(fake_dns: FakeDNS, dkim_key: tuple[bytes, str]) -> FakeDNS:
    fake_dns.set(f"sel1._domainkey.{DOMAIN}", "TXT", [dkim_key[1]])
    fake_dns.set(DOMAIN, "TXT", [f"v=spf1 ip4:{CLIENT_IP} include:relay.gov.vn -all"])
    fake_dns.set(DOMAIN, "MX", [f"10 mx.{DOMAIN}."])
    fake_dns.set("relay.gov.vn", "TXT", ["v=spf1 ip4:198.51.100.0/24 -all"])
    fake_dns.set("soft.gov.vn", "TXT", ["v=spf1 ip4:203.0.113.1 ~all"])
    fake_dns.set("nospf.gov.vn", "MX", ["10 mx.nospf.gov.vn."])
    return fake_dns


def message(sender: str = f"Văn thư <vanthu@{DOMAIN}>", body: str = "Kính gửi: UBND huyện B.\r\n") -> bytes:
    from email.header import Header

    name, _, addr = sender.partition(" <")
    from_value = f"{Header(name, 'utf-8').encode()} <{addr}" if addr else sender
    return (
        f"From: {from_value}\r\nTo: vanthu@huyen-b.gov.vn\r\nSubject: =?utf-8?b?"
        f"{base64.b64encode('Công văn số 12/UBND'.encode()).decode()}?=\r\n"
        "Date: Wed, 26 Nov 2025 09:00:00 +0700\r\nMessage-ID: <12@xa-a.gov.vn>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


def sign(raw: bytes, key: bytes, domain: str = DOMAIN) -> bytes:
    headers = [b"from", b"to", b"subject", b"date", b"message-id"]
    return dkim.sign(raw, SELECTOR, domain.encode(), key, include_headers=headers) + raw


def test_normalise_address_lowercases_and_strips_display_name() -> None:
    assert normalise_address("  VanThu@XA-A.Gov.VN ") == "vanthu@xa-a.gov.vn"
    assert normalise_address('"Văn thư UBND xã A" <VanThu@xa-a.gov.vn>') == "vanthu@xa-a.gov.vn"


@pytest.mark.parametrize("bad", ["", "vanthu", "vanthu@", "van thu@xa-a.gov.vn", "a@@b.vn", "x@localhost"])
def test_normalise_address_rejects_in_vietnamese(bad: str) -> None:
    with pytest.raises(InvalidAddress, match="Địa chỉ thư điện tử không hợp lệ"):
        normalise_address(bad)


async def test_dkim_pass_and_spf_pass_are_aligned(zone: FakeDNS, dkim_key: tuple[bytes, str], dns_resolver) -> None:
    raw = sign(message(), dkim_key[0])
    result = await SenderAuthenticator(dns_resolver=dns_resolver).check(
        raw, client_ip=CLIENT_IP, helo=f"mx.{DOMAIN}", mail_from=f"vanthu@{DOMAIN}"
    )
    assert (result.dkim, result.dkim_domain, result.spf, result.from_domain) == ("pass", DOMAIN, "pass", DOMAIN)
    assert result.aligned and result.dkim_aligned and result.spf_aligned
    assert result.from_address == f"vanthu@{DOMAIN}"
    assert (f"sel1._domainkey.{DOMAIN}", "TXT") in zone.queries  # really asked our server


async def test_changed_body_fails_dkim(zone: FakeDNS, dkim_key: tuple[bytes, str], dns_resolver) -> None:
    raw = sign(message(), dkim_key[0]).replace(b"huy\xe1\xbb\x87n B", b"huy\xe1\xbb\x87n C")
    result = await SenderAuthenticator(dns_resolver=dns_resolver).check(
        raw, client_ip="203.0.113.99", helo="evil.example.com", mail_from=f"vanthu@{DOMAIN}"
    )
    assert (result.dkim, result.dkim_domain) == ("fail", DOMAIN)
    assert result.spf == "fail"
    assert not result.aligned


async def test_unsigned_mail_has_no_dkim_but_spf_can_align(zone: FakeDNS, dns_resolver) -> None:
    result = await SenderAuthenticator(dns_resolver=dns_resolver).check(
        message(), client_ip="198.51.100.7", helo=f"mx.{DOMAIN}", mail_from=f"vanthu@{DOMAIN}"
    )
    assert (result.dkim, result.dkim_domain) == ("none", "")
    assert result.spf == "pass"  # through include:relay.gov.vn
    assert result.aligned and not result.dkim_aligned


async def test_signature_of_another_domain_is_not_aligned(
    zone: FakeDNS, dkim_key: tuple[bytes, str], dns_resolver
) -> None:
    zone.set("sel1._domainkey.relay.gov.vn", "TXT", [dkim_key[1]])
    raw = sign(message(), dkim_key[0], domain="relay.gov.vn")
    result = await SenderAuthenticator(dns_resolver=dns_resolver).check(
        raw, client_ip="203.0.113.99", helo="relay.gov.vn", mail_from="bounce@relay.gov.vn"
    )
    assert (result.dkim, result.dkim_domain) == ("pass", "relay.gov.vn")
    assert result.spf == "fail" and result.spf_domain == "relay.gov.vn"
    assert not result.aligned


async def test_missing_key_fails_dkim(zone: FakeDNS, dkim_key: tuple[bytes, str], dns_resolver) -> None:
    zone.remove(f"sel1._domainkey.{DOMAIN}")
    raw = sign(message(), dkim_key[0])
    result = await SenderAuthenticator(dns_resolver=dns_resolver).check(
        raw, client_ip=CLIENT_IP, helo=f"mx.{DOMAIN}", mail_from=f"vanthu@{DOMAIN}"
    )
    assert result.dkim == "fail"
    assert result.aligned  # SPF still passes for the From domain


@pytest.mark.parametrize(
    ("mail_from", "ip", "expected"),
    [
        ("a@soft.gov.vn", "192.0.2.55", "softfail"),
        ("a@nospf.gov.vn", "192.0.2.55", "none"),
        ("a@unknown-domain.gov.vn", "192.0.2.55", "none"),
        (f"a@{DOMAIN}", "192.0.2.11", "fail"),
    ],
)
async def test_spf_results(zone: FakeDNS, dns_resolver, mail_from: str, ip: str, expected: str) -> None:
    result = await SenderAuthenticator(dns_resolver=dns_resolver).check(
        message(), client_ip=ip, helo="mx.other.vn", mail_from=mail_from
    )
    assert result.spf == expected
    assert not result.aligned


async def test_empty_mail_from_uses_helo(zone: FakeDNS, dns_resolver) -> None:
    result = await SenderAuthenticator(dns_resolver=dns_resolver).check(
        message(), client_ip=CLIENT_IP, helo=DOMAIN, mail_from=""
    )
    assert (result.spf, result.spf_domain) == ("pass", DOMAIN)


async def test_unreachable_dns_gives_temperror(dkim_key: tuple[bytes, str]) -> None:
    raw = sign(message(), dkim_key[0])
    result = await SenderAuthenticator(dns_resolver=dead_resolver(), dns_timeout=0.3).check(
        raw, client_ip=CLIENT_IP, helo=f"mx.{DOMAIN}", mail_from=f"vanthu@{DOMAIN}"
    )
    assert (result.dkim, result.spf) == ("temperror", "temperror")
    assert not result.aligned


async def test_concurrent_checks_use_their_own_resolver(
    zone: FakeDNS, dkim_key: tuple[bytes, str], dns_resolver
) -> None:
    raw = sign(message(), dkim_key[0])
    good = SenderAuthenticator(dns_resolver=dns_resolver)
    dead = SenderAuthenticator(dns_resolver=dead_resolver(), dns_timeout=0.3)
    kwargs = {"client_ip": CLIENT_IP, "helo": f"mx.{DOMAIN}", "mail_from": f"vanthu@{DOMAIN}"}
    results = await asyncio.gather(*(auth.check(raw, **kwargs) for auth in [good, dead] * 4))
    assert [r.spf for r in results] == ["pass", "temperror"] * 4
    assert [r.dkim for r in results] == ["pass", "temperror"] * 4
