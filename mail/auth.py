"""Sender authenticity of an inbound mail: address normalisation, DKIM (dkimpy) and SPF (pyspf).

Every DNS lookup goes through the resolver given to `SenderAuthenticator` (or dnspython's default one when
none is given), per call: DKIM gets a `dnsfunc`, SPF a `spf.query` subclass whose `dns()` uses that resolver.
No library global is patched, so concurrent checks with different resolvers are safe.

Alignment is strict: a *passing* DKIM signature whose d= equals the From domain, or a *passing* SPF check
whose domain (MAIL FROM domain, or HELO when MAIL FROM is empty) equals the From domain. Relaxed (organisational
domain) alignment would need the public suffix list, which we do not ship.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from functools import reduce
from typing import Literal

import dkim
import dns.exception
import dns.rdatatype
import dns.resolver
import spf
from email_validator import EmailNotValidError, validate_email

log = logging.getLogger(__name__)

DkimResult = Literal["pass", "fail", "none", "temperror"]
SpfResult = Literal["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"]

_DNS_TIMEOUT = 5.0


class InvalidAddress(ValueError):
    """The text is not a usable e-mail address (message in Vietnamese, for the sender or the official)."""


def normalise_address(text: str) -> str:
    """`"Văn thư" <VanThu@Xa-A.gov.vn>` → `vanthu@xa-a.gov.vn`. Syntax only, no DNS; raises InvalidAddress."""
    candidate = (text or "").strip()
    try:
        valid = validate_email(candidate, check_deliverability=False, allow_display_name=True)
    except EmailNotValidError as exc:
        raise InvalidAddress(f"Địa chỉ thư điện tử không hợp lệ: «{candidate}» ({exc})") from exc
    return valid.normalized.lower()


def address_domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


@dataclass(frozen=True, slots=True)
class AuthResult:
    dkim: DkimResult
    dkim_domain: str  # d= of the passing signature, else of the first one, else ""
    spf: SpfResult
    spf_domain: str  # the domain SPF was evaluated for (MAIL FROM domain, or HELO)
    from_domain: str  # "" when the From header has no valid address
    aligned: bool
    from_address: str = ""
    spf_explanation: str = ""

    @property
    def dkim_aligned(self) -> bool:
        return self.dkim == "pass" and bool(self.from_domain) and self.dkim_domain == self.from_domain

    @property
    def spf_aligned(self) -> bool:
        return self.spf == "pass" and bool(self.from_domain) and self.spf_domain == self.from_domain


class SenderAuthenticator:
    def __init__(self, *, dns_resolver: dns.resolver.Resolver | None = None, dns_timeout: float = _DNS_TIMEOUT):
        self._resolver = dns_resolver
        self._timeout = dns_timeout

    async def check(self, raw: bytes, *, client_ip: str, helo: str, mail_from: str) -> AuthResult:
        return await asyncio.to_thread(self.check_blocking, raw, client_ip=client_ip, helo=helo, mail_from=mail_from)

    def check_blocking(self, raw: bytes, *, client_ip: str, helo: str, mail_from: str) -> AuthResult:
        """The same check, synchronously (for a worker thread)."""
        from_address = _from_address(raw)
        from_domain = address_domain(from_address) if from_address else ""
        dkim_result, dkim_domain = self._dkim(raw, prefer=from_domain)
        spf_result, spf_domain, explanation = self._spf(client_ip, helo, mail_from)
        result = AuthResult(
            dkim=dkim_result,
            dkim_domain=dkim_domain,
            spf=spf_result,
            spf_domain=spf_domain,
            from_domain=from_domain,
            aligned=False,
            from_address=from_address,
            spf_explanation=explanation,
        )
        return replace(result, aligned=result.dkim_aligned or result.spf_aligned)

    # DKIM --------------------------------------------------------------------------------------------------
    def _dkim(self, raw: bytes, *, prefer: str) -> tuple[DkimResult, str]:
        domains = _signature_domains(raw)
        if not domains:
            return "none", ""
        lookup = _TxtLookup(self._resolver, self._timeout)
        passed: list[str] = []
        for index, domain in enumerate(domains):
            verifier = dkim.DKIM(raw, logger=_quiet)
            try:
                ok = verifier.verify(idx=index, dnsfunc=lookup)
            except dkim.DKIMException as exc:
                log.debug("DKIM signature %d of %s unusable: %s", index, domain, exc)
                ok = False
            if ok:
                passed.append(domain)
        if passed:
            return "pass", prefer if prefer in passed else passed[0]
        return ("temperror" if lookup.temporary_failure else "fail"), domains[0]

    # SPF ---------------------------------------------------------------------------------------------------
    def _spf(self, client_ip: str, helo: str, mail_from: str) -> tuple[SpfResult, str, str]:
        sender = mail_from.strip().strip("<>")
        domain = address_domain(sender) if "@" in sender else (helo or "").lower().rstrip(".")
        if not domain:
            return "none", "", "no MAIL FROM or HELO domain"
        query = _ResolverQuery(
            client_ip, sender, helo, resolver=self._resolver, timeout=self._timeout, querytime=self._timeout * 4
        )
        result, _code, explanation = query.check()
        if result not in ("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"):
            result = "permerror"
        return result, domain, explanation


def _from_address(raw: bytes) -> str:
    headers = BytesHeaderParser().parsebytes(raw)
    values = headers.get_all("From") or []
    for _name, address in getaddresses([str(v) for v in values]):
        try:
            return normalise_address(address)
        except InvalidAddress:
            continue
    return ""


def _signature_domains(raw: bytes) -> list[str]:
    """d= of each DKIM-Signature, top to bottom ("" when unparsable), so that index i matches dkimpy's idx."""
    domains: list[str] = []
    for name, value in dkim.DKIM(raw).headers:
        if name.lower() != b"dkim-signature":
            continue
        try:
            tags = dkim.util.parse_tag_value(value)
            domains.append(tags.get(b"d", b"").decode("ascii", "replace").strip().lower())
        except dkim.util.InvalidTagValueList:
            domains.append("")
    return domains


class _QuietLogger(logging.LoggerAdapter):  # dkimpy logs every failed signature at ERROR level
    def error(self, msg: object, *args: object, **kwargs: object) -> None:
        self.debug(msg, *args, **kwargs)  # type: ignore[arg-type]


_quiet = _QuietLogger(logging.getLogger(__name__ + ".dkim"), {})


class _TxtLookup:
    """dkimpy's `dnsfunc`: TXT as bytes, None when absent; records whether a lookup failed temporarily."""

    def __init__(self, resolver: dns.resolver.Resolver | None, timeout: float) -> None:
        self._resolver = resolver or dns.resolver.get_default_resolver()
        self._timeout = timeout  # ours, not dkimpy's whole-second one
        self.temporary_failure = False

    def __call__(self, name: bytes | str, timeout: float = _DNS_TIMEOUT) -> bytes | None:
        qname = name.decode("ascii") if isinstance(name, bytes) else name
        try:
            answer = self._resolver.resolve(
                qname, "TXT", lifetime=self._timeout, raise_on_no_answer=False, search=False
            )
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            self.temporary_failure = True
            raise dkim.DnsTimeoutError(str(exc)) from exc
        if answer.rrset is None:
            return None
        return b"".join(next(iter(answer.rrset)).strings)


class _ResolverQuery(spf.query):
    """pyspf's query with its DNS lookups sent to our resolver instead of the module-global `spf.DNSLookup`.

    `dns()` mirrors pyspf 2.0.14's `query.dns` (cache, CNAME chain, void-lookup limit, total query time)."""

    def __init__(self, *args: object, resolver: dns.resolver.Resolver | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._resolver = resolver or dns.resolver.get_default_resolver()

    def dns(
        self, name: object, qtype: str, cnames: dict[str, str] | None = None, ignore_void: bool = False
    ) -> list[object]:
        if not name:
            raise spf.PermError("Invalid query")
        name = str(name).rstrip(".").lower()
        if not reduce(lambda ok, label: ok and 0 < len(label) < 64, name.split("."), True):
            return []
        result = self.cache.get((name, qtype), [])
        if result:
            return result
        cname = self.cache.get((name, "CNAME"))
        if cname:
            cname = cname[0]
        else:
            result, cname = self._lookup(name, qtype)
        if not result and cname:
            result = self._follow_cname(name, qtype, str(cname), cnames)
        if not result and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return result

    def _follow_cname(self, name: str, qtype: str, cname: str, cnames: dict[str, str] | None) -> list[object]:
        cnames = cnames or {}
        if len(cnames) >= spf.MAX_CNAME:
            raise spf.PermError(f"Length of CNAME chain exceeds {spf.MAX_CNAME}")
        cnames[name] = cname
        if cname.lower().rstrip(".") in cnames:
            return []
        result = self.dns(cname, qtype, cnames=cnames)
        if result:
            self.cache[(name, qtype)] = result
        return result

    def _lookup(self, name: str, qtype: str) -> tuple[list[object], object]:
        if self.querytime < 0:
            raise spf.TempError("DNS Error: exceeded max query lookup time")
        timeout = self.querytime if 0 < self.querytime < self.timeout else self.timeout
        started = time.time()
        cname = None
        for key, value in self._records(name, qtype, timeout):
            key = (key[0].lower(), key[1])
            if key == (name, "CNAME"):
                cname = value
            if key[1] == "CNAME" or (qtype, key[1]) in spf.query.SAFE2CACHE:
                self.cache.setdefault(key, []).append(value)
        if self.querytime > 0:
            self.querytime -= time.time() - started
        return self.cache.get((name, qtype), []), cname

    def _records(self, name: str, qtype: str, timeout: float) -> list[tuple[tuple[str, str], object]]:
        """The (key, value) pairs pyspf's DNSLookup_dnspython would return, CNAMEs included."""
        try:
            answer = self._resolver.resolve(name, qtype, lifetime=timeout, raise_on_no_answer=False, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            raise spf.TempError(f"DNS {exc}") from exc
        records: list[tuple[tuple[str, str], object]] = []
        for rrset in answer.response.answer:
            owner = rrset.name.to_text(omit_final_dot=True)
            kind = dns.rdatatype.to_text(rrset.rdtype)
            for rdata in rrset:
                records.append(((owner, kind), _spf_value(kind, rdata)))
        return records


def _spf_value(kind: str, rdata: object) -> object:
    if kind in ("A", "AAAA"):
        return rdata.address  # type: ignore[attr-defined]
    if kind == "MX":
        return (rdata.preference, rdata.exchange)  # type: ignore[attr-defined]
    if kind in ("PTR", "CNAME"):
        return rdata.target.to_text(True)  # type: ignore[attr-defined]
    if kind in ("TXT", "SPF"):
        return rdata.strings  # type: ignore[attr-defined]
    return rdata.to_text()  # type: ignore[attr-defined]
