"""Groups that document and status packets share: the envelope, From/To, ResponseFor, StaffInfo."""

from __future__ import annotations

from bridge.edxml._reader import Element, Reader, kid, text
from bridge.edxml._text import format_date, parse_date
from bridge.edxml._writer import Node, P, el, leaf
from bridge.edxml.model import NAMESPACE, Organization, ResponseFor, StaffInfo

# Child order of From/To in document packets (edoc_new.edxml) and in status packets (status_*.edxml).
ORG_ORDER_EDOC = (
    "OrganId",
    "OrganizationInCharge",
    "OrganName",
    "OrganAdd",
    "Email",
    "Telephone",
    "Fax",
    "Website",
)
ORG_ORDER_STATUS = (
    "OrganId",
    "OrganName",
    "OrganizationInCharge",
    "OrganAdd",
    "Email",
    "Telephone",
    "Fax",
    "Website",
)
_ORG_FIELDS = {
    "OrganId": "organ_id",
    "OrganizationInCharge": "organization_in_charge",
    "OrganName": "organ_name",
    "OrganAdd": "organ_add",
    "Email": "email",
    "Telephone": "telephone",
    "Fax": "fax",
    "Website": "website",
}
# ResponseFor: the revocation sample (edoc_revocation.edxml) puts the date last; the per-code status samples
# (status_*.edxml) put it before DocumentId (status.edxml disagrees with them; the per-code ones win).
RESPONSE_FOR_ORDER_EDOC = ("OrganId", "Code", "DocumentId", "PromulgationDate")
RESPONSE_FOR_ORDER_STATUS = ("OrganId", "Code", "PromulgationDate", "DocumentId")
STAFF_ORDER_EDOC = ("Department", "Staff", "Email", "Mobile")
STAFF_ORDER_STATUS = ("Department", "Staff", "Mobile", "Email")
_STAFF_FIELDS = {"Department": "department", "Staff": "staff", "Email": "email", "Mobile": "mobile"}


def envelope(header: Node, body: Node | None = None, encoded: Node | None = None) -> Node:
    """`<edXML xmlns=…>` with the envelope redeclaring the same URI under the `edXML` prefix."""
    env = el(P + "edXMLEnvelope", header, body, attrs=(("xmlns:edXML", NAMESPACE),))
    return el("edXML", env, encoded, attrs=(("xmlns", NAMESPACE),))


def write_org(tag: str, org: Organization, order: tuple[str, ...]) -> Node:
    return el(P + tag, *(leaf(P + name, getattr(org, _ORG_FIELDS[name])) for name in order))


def read_org(e: Element | None) -> Organization:
    return Organization(**{attr: text(e, name) for name, attr in _ORG_FIELDS.items()})


def write_staff(s: StaffInfo, order: tuple[str, ...]) -> Node:
    return el(P + "StaffInfo", *(leaf(P + name, getattr(s, _STAFF_FIELDS[name])) for name in order))


def read_staff(e: Element | None) -> StaffInfo:
    return StaffInfo(**{attr: text(e, name) for name, attr in _STAFF_FIELDS.items()})


def write_response_for(r: ResponseFor, order: tuple[str, ...]) -> Node:
    values = {
        "OrganId": leaf(P + "OrganId", r.organ_id),
        "Code": leaf(P + "Code", r.code),
        "PromulgationDate": leaf(P + "PromulgationDate", format_date(r.promulgation_date))
        if r.promulgation_date
        else None,
        "DocumentId": leaf(P + "DocumentId", r.document_id),
    }
    return el(P + "ResponseFor", *(values[name] for name in order))


def read_response_for(e: Element | None, reader: Reader) -> ResponseFor:
    # Some senders write the code as CodeNumber/CodeNotation children like the document's own Code.
    code_el = kid(e, "Code")
    code = text(e, "Code")
    if code_el is not None and kid(code_el, "CodeNumber") is not None:
        code = f"{text(code_el, 'CodeNumber')}/{text(code_el, 'CodeNotation')}"
    return ResponseFor(
        organ_id=text(e, "OrganId"),
        code=code,
        promulgation_date=reader.typed(e, "PromulgationDate", parse_date, "Ngày ban hành văn bản được trả lời"),
        document_id=text(e, "DocumentId"),
    )
