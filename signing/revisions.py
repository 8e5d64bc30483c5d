"""What each revision after the first signature changed, as facts for core.signature_policy (one `Edit` per change).

    revisions = revision_facts(reader, layout, signatures, first_signed)

`layout` (signing/xref_scan.py) says which objects each revision wrote or freed; the old and new values come from
pyHanko's historical views of the file (`PdfFileReader.get_historical_resolver`). Written objects are recognised
by their place: the catalog, the form and its /Fields, form fields and their widgets, pages and their /Annots, the
document information dictionary, the XMP stream, the DSS. Anything else that changed is reported as such (with the
page that shows it when one does); a new object that no changed place refers to is an orphan. Values are compared
as written: references by number, streams by their encoded bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from core.signature_policy import Change, Edit, Revision
from signing.xref_scan import XrefLayout

MAX_DEPTH = 64  # nesting beyond this is hostile: compared as "changed", walked no further
_ACTIONS = ("/A", "/AA")
_XMP_PREFIXES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://www.aiim.org/pdfa/ns/id/": "pdfaid",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
}
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
# XMP properties a new XMP packet may carry when they repeat the document information dictionary
_INFO_IN_XMP = {
    "dc:title": "/Title",
    "dc:creator": "/Author",
    "dc:description": "/Subject",
    "pdf:Keywords": "/Keywords",
}


def revision_facts(
    reader: PdfFileReader, layout: XrefLayout, signatures: Mapping[int, tuple[str, int]], first_signed: int
) -> tuple[Revision, ...]:
    """`signatures`: signature dictionary object number → (field name, revision it signs), for every signature and
    document timestamp. One `Revision` per revision after `first_signed`."""
    return tuple(
        Revision(r, tuple(_RevisionDiff(reader, layout, r, signatures).run()))
        for r in range(first_signed + 1, len(layout.sections))
    )


class _RevisionDiff:
    def __init__(
        self, reader: PdfFileReader, layout: XrefLayout, revision: int, signatures: Mapping[int, tuple[str, int]]
    ) -> None:
        self.reader, self.layout, self.revision = reader, layout, revision
        self.old = reader.get_historical_resolver(revision - 1)
        self.new = reader.get_historical_resolver(revision)
        self.own_signatures = {n for n, (_, signed) in signatures.items() if signed == revision}
        section = layout.sections[revision]
        entries = section.entries
        containers = set(section.own_streams) | {e.stream for e in entries.values() if e.in_use and e.stream >= 0}
        written = {n for n, e in entries.items() if e.in_use} - containers
        self.rewritten = sorted(n for n in written if layout.in_use_before(revision, n))
        self.created = written - set(self.rewritten)
        self.freed = sorted(n for n, e in entries.items() if not e.in_use and layout.in_use_before(revision, n))
        self.edits: list[Edit] = []
        self.reached: set[int] = set()
        self.handled: set[int] = set()
        self.new_widgets: dict[int, str] = {}  # widget number → name of a field added or signed here
        self.signed_now: set[str] = set()
        self._lazy: dict[str, Any] = {}

    # -- resolving ------------------------------------------------------------------------------------------
    def _reference(self, number: int, *, new: bool) -> generic.Reference:
        entry = (
            self.layout.sections[self.revision].entries.get(number)
            if new and number in self.layout.sections[self.revision].entries
            else self.layout.entry_before(self.revision, number)
        )
        generation = entry.generation if entry is not None and entry.in_use else 0
        return generic.Reference(number, generation, pdf=self.reader)

    def old_object(self, number: int) -> Any:
        return self.old(self._reference(number, new=False))

    def new_object(self, number: int) -> Any:
        return self.new(self._reference(number, new=True))

    def add(self, change: Change, name: str = "", page: int = 0, keys: Iterable[str] = ()) -> None:
        self.edits.append(Edit(change, name, page, tuple(keys)))

    # -- the revision -----------------------------------------------------------------------------------------
    def run(self) -> list[Edit]:
        self._trailer()
        self._catalog()
        for number in self.rewritten:  # existing fields first: their widgets are judged knowing who signs
            if number not in self.handled and number in self._fields_old() and _has_name(self.new_object(number)):
                self._field_rewritten(number)
        for number in self.rewritten:
            if number not in self.handled:
                self._rewritten(number)
        self.edits.extend(Edit(Change.OBJECT_FREED, str(n)) for n in self.freed)
        for number in sorted(self.created):
            if self.layout.entry_before(self.revision, number) is not None or number < self.layout.size_before(
                self.revision
            ):
                self.add(Change.NUMBER_REUSED, str(number))
            elif number not in self.reached:
                self.add(Change.ORPHAN, str(number))
        return self.edits

    def _trailer(self) -> None:
        old, new = self.old.trailer_view, self.new.trailer_view
        if _number(old.raw_get("/Root")) != _number(new.raw_get("/Root")):
            self.add(Change.ROOT_REPLACED)
        old_info = old.raw_get("/Info") if "/Info" in old else None
        new_info = new.raw_get("/Info") if "/Info" in new else None
        if _number(old_info) != _number(new_info):
            self._info(_resolved(old_info), _resolved(new_info))
            self._reach(new_info)
        elif new_info is not None and _number(new_info) in self.rewritten:
            self.handled.add(_number(new_info))
            self._info(self.old_object(_number(new_info)), self.new_object(_number(new_info)))
        for key in ("/Encrypt",):
            if (key in old) != (key in new) or (key in new and not _same(old.raw_get(key), new.raw_get(key))):
                self.add(Change.CATALOG_KEY, key)

    # -- the catalog and the form --------------------------------------------------------------------------
    def _catalog(self) -> None:
        old_catalog, new_catalog = self.old.root, self.new.root
        root = self.new.root_ref.idnum
        self.handled.add(root)
        self.reached.add(root)
        for key in _changed_keys(old_catalog, new_catalog):
            old_value = old_catalog.raw_get(key) if key in old_catalog else None
            new_value = new_catalog.raw_get(key) if key in new_catalog else None
            if key == "/AcroForm":
                self._form(_resolved(old_value), _resolved(new_value))
            elif key == "/DSS" and new_value is not None:
                self.add(Change.DSS)
            elif key == "/Metadata" and new_value is not None:
                self._xmp(_resolved(old_value), _resolved(new_value))
            elif key == "/Pages":
                self._pages_changed()
            else:
                self.add(Change.CATALOG_KEY, key)
            self._reach(new_value)
            self.handled.add(_number(new_value))
        for key in ("/AcroForm", "/Metadata", "/DSS"):  # the same indirect object, written again
            value = new_catalog.raw_get(key) if key in new_catalog else None
            number = _number(value)
            if number in self.handled or number not in self.rewritten:
                continue
            self.handled.add(number)
            old, new = self.old_object(number), self.new_object(number)
            if _same(old, new):
                self.add(Change.UNCHANGED)
            elif key == "/AcroForm":
                self._form(old, new)
            elif key == "/Metadata":
                self._xmp(old, new)
            else:
                self._reach_changes(old, new)
                self.add(Change.DSS)

    def _form(self, old: Any, new: Any) -> None:
        if not isinstance(new, generic.DictionaryObject):
            self.add(Change.CATALOG_KEY, "/AcroForm")
            return
        if not isinstance(old, generic.DictionaryObject):
            self.add(Change.FORM_CREATED)
            old = generic.DictionaryObject()
        for key in _changed_keys(old, new):
            old_value = old.raw_get(key) if key in old else None
            new_value = new.raw_get(key) if key in new else None
            if key == "/Fields" and isinstance(_resolved(new_value), generic.ArrayObject):
                self._fields(_items(_resolved(old_value)), _items(_resolved(new_value)))
                self.handled.add(_number(new_value))
            else:
                self.add(Change.FORM_KEY, key)
                self._reach(new_value)
        fields = new.raw_get("/Fields") if "/Fields" in new else None
        number = _number(fields)
        if number in self.rewritten and number not in self.handled:
            self.handled.add(number)
            self._fields(_items(self.old_object(number)), _items(self.new_object(number)))

    def _fields(self, old: list[Any], new: list[Any]) -> None:
        before = {_number(f) for f in old}
        after = {_number(f) for f in new}
        for field in old:
            if _number(field) not in after:
                self.add(Change.FIELD_REMOVED, _field_name(_resolved(field)))
        for field in new:
            if _number(field) not in before:
                self._field_added(field, prefix="")

    def _field_added(self, reference: Any, prefix: str) -> None:
        field = _resolved(reference)
        if not isinstance(field, generic.DictionaryObject):
            self.add(Change.FIELD_ADDED, "?")
            return
        name = prefix + _field_name(field)
        self._reach(reference)
        self.add(Change.FIELD_LISTED, name)
        widgets = (
            [field] if _get(field, "/Subtype") == "/Widget" else [_resolved(k) for k in _items(_get(field, "/Kids"))]
        )
        numbers = [_number(reference)] if widgets == [field] else [_number(k) for k in _items(_get(field, "/Kids"))]
        for number in numbers:
            self.new_widgets[number] = name
        page = next((self._page_of(w) for w in widgets if isinstance(w, generic.DictionaryObject)), 0)
        self._actions(name, [field, *widgets])
        if _field_type(field) != "/Sig":
            self.add(Change.FIELD_ADDED, name, page)
        elif "/V" not in field:
            self.add(Change.EMPTY_SIGNATURE_FIELD, name, page)
        else:
            self._signature_value(name, field.raw_get("/V"))

    def _signature_value(self, name: str, value: Any) -> None:
        self.add(Change.SIGNATURE_FIELD, name)
        if _number(value) in self.own_signatures:
            self.signed_now.add(name)

    def _actions(self, name: str, dictionaries: Iterable[Any]) -> None:
        if any(isinstance(d, generic.DictionaryObject) and any(k in d for k in _ACTIONS) for d in dictionaries):
            self.add(Change.ACTION, name)

    def _field_rewritten(self, number: int) -> None:
        """A field that existed: a signature field may get its value (and appearance) in its own revision."""
        self.handled.add(number)
        name = self._fields_old()[number]
        old, new = self.old_object(number), self.new_object(number)
        keys = _changed_keys(old, new)
        if not keys:
            self.add(Change.UNCHANGED)
            return
        rest = [k for k in keys if k not in ("/V", "/AP", "/Kids", *_ACTIONS)]
        if "/V" in keys and _field_type(new) == "/Sig" and "/V" not in old:
            self._signature_value(name, new.raw_get("/V"))
            if _get(new, "/Subtype") == "/Widget":
                self.new_widgets[number] = name
        elif "/V" in keys:
            self.add(Change.FIELD_VALUE, name)
        if "/AP" in keys and name not in self.signed_now and "/V" not in keys:  # a new value comes with its look
            rest.append("/AP")
        if "/Kids" in keys:
            self._kids(name, old, new)
        if any(k in keys for k in _ACTIONS):
            self.add(Change.ACTION, name)
        if rest:
            self.add(Change.FIELD_CHANGED, name, keys=rest)
        self._reach_changes(old, new)

    def _kids(self, name: str, old: Any, new: Any) -> None:
        before = {_number(k) for k in _items(_get(old, "/Kids"))}
        for kid in _items(_get(new, "/Kids")):
            if _number(kid) in before:
                continue
            if _has_name(_resolved(kid)):
                self._field_added(kid, prefix=f"{name}.")
            else:
                self.add(Change.FIELD_CHANGED, name, keys=("/Kids",))

    # -- everything else that was written again --------------------------------------------------------------
    def _rewritten(self, number: int) -> None:
        old, new = self.old_object(number), self.new_object(number)
        if _same(old, new):
            self.add(Change.UNCHANGED)
            return
        self._reach_changes(old, new)
        if isinstance(new, generic.DictionaryObject) and _get(new, "/Type") == "/Page":
            self._page(number, old, new)
        elif isinstance(new, generic.DictionaryObject) and _get(new, "/Type") == "/Pages":
            self._pages_changed()
        elif number in self._fields_old():
            self._widget_rewritten(self._fields_old()[number], old, new)
        elif number in self._annots_arrays():
            self._annots(self._annots_arrays()[number], _items(old), _items(new))
        elif number in self._annotations_old():
            self.add(Change.ANNOTATION_CHANGED, page=self._annotations_old()[number])
        elif number in self._dss_old():
            self.add(Change.DSS)
        else:
            self.add(Change.OBJECT_CHANGED, str(number), self._page_showing(number))

    def _widget_rewritten(self, name: str, old: Any, new: Any) -> None:
        keys = _changed_keys(old, new)
        if any(k in keys for k in _ACTIONS):
            self.add(Change.ACTION, name)
        rest = [k for k in keys if k not in _ACTIONS and not (k == "/AP" and name in self.signed_now)]
        if rest:
            self.add(Change.FIELD_CHANGED, name, keys=rest)

    def _page(self, number: int, old: Any, new: Any) -> None:
        page = self._page_numbers().get(number, 0)
        other = []
        for key in _changed_keys(old, new):
            if key == "/Annots":
                self._annots(page, _items(_raw(old, key)), _items(_raw(new, key)))
                self.handled.add(_number(_raw(new, key)))
            else:
                other.append(key)
        if other:
            self.add(Change.PAGE_CHANGED, page=page, keys=other)

    def _annots(self, page: int, old: list[Any], new: list[Any]) -> None:
        before, after = {_number(a) for a in old}, {_number(a) for a in new}
        for annotation in new:
            number = _number(annotation)
            if number in before:
                continue
            if number in self.new_widgets:
                self.add(Change.WIDGET_ON_PAGE, self.new_widgets[number], page)
            else:
                self.add(Change.ANNOTATION_ADDED, str(_get(_resolved(annotation), "/Subtype", "")), page)
                self._reach(annotation)
        if before - after:
            self.add(Change.ANNOTATION_REMOVED, page=page)

    def _pages_changed(self) -> None:
        if "pages_changed" in self._lazy:
            return
        self._lazy["pages_changed"] = True
        old, new = _page_list(self.old), _page_list(self.new)
        if old != new:
            self.add(Change.PAGES_CHANGED, f"{len(old)}→{len(new)}")

    def _info(self, old: Any, new: Any) -> None:
        old = old if isinstance(old, generic.DictionaryObject) else generic.DictionaryObject()
        new = new if isinstance(new, generic.DictionaryObject) else generic.DictionaryObject()
        keys = _changed_keys(old, new)
        self.add(Change.INFO, keys=keys) if keys else self.add(Change.UNCHANGED)

    def _xmp(self, old: Any, new: Any) -> None:
        try:
            before = _xmp_properties(old) if isinstance(old, generic.StreamObject) else {}
            after = _xmp_properties(new)
        except Exception:  # not XML, or XML we refuse to read (entities)
            self.add(Change.XMP, keys=("không đọc được",))
            return
        keys = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        if not isinstance(old, generic.StreamObject):  # a new packet may repeat the information dictionary
            info = _get(self.old.trailer_view, "/Info")
            info = info if isinstance(info, generic.DictionaryObject) else {}
            keys = {k for k in keys if not (k in _INFO_IN_XMP and str(_get(info, _INFO_IN_XMP[k], "")) == after[k])}
        self.add(Change.XMP, keys=sorted(keys)) if keys else self.add(Change.UNCHANGED)

    # -- where things are --------------------------------------------------------------------------------------
    def _page_numbers(self) -> dict[int, int]:
        if "pages" not in self._lazy:
            self._lazy["pages"] = {n: i + 1 for i, n in enumerate(_page_list(self.new))}
        return self._lazy["pages"]  # type: ignore[no-any-return]

    def _page_of(self, widget: Any) -> int:
        page = widget.raw_get("/P") if "/P" in widget else None
        return self._page_numbers().get(_number(page), 0)

    def _fields_old(self) -> dict[int, str]:
        """Every field and widget object of the signed form → the field's full name."""
        if "fields" not in self._lazy:
            found: dict[int, str] = {}
            form = _get(self.old.root, "/AcroForm")
            if isinstance(form, generic.DictionaryObject):
                _walk_fields(_items(_get(form, "/Fields")), "", found, 0)
            self._lazy["fields"] = found
        return self._lazy["fields"]  # type: ignore[no-any-return]

    def _annots_arrays(self) -> dict[int, int]:
        if "annots_arrays" not in self._lazy:
            self._lazy["annots_arrays"] = {
                _number(page.raw_get("/Annots")): index
                for index, _, page in _pages(self.old)
                if "/Annots" in page and isinstance(page.raw_get("/Annots"), generic.IndirectObject)
            }
        return self._lazy["annots_arrays"]  # type: ignore[no-any-return]

    def _annotations_old(self) -> dict[int, int]:
        if "annotations" not in self._lazy:
            self._lazy["annotations"] = {
                _number(a): index for index, _, page in _pages(self.old) for a in _items(_get(page, "/Annots"))
            }
        return self._lazy["annotations"]  # type: ignore[no-any-return]

    def _dss_old(self) -> set[int]:
        if "dss" not in self._lazy:
            found: set[int] = set()
            dss = self.old.root.raw_get("/DSS") if "/DSS" in self.old.root else None
            _collect(dss, found, lambda n: True)
            self._lazy["dss"] = found
        return self._lazy["dss"]  # type: ignore[no-any-return]

    def _page_showing(self, number: int) -> int:
        """The first page whose content, resources or annotations use object `number` (0: none)."""
        seen: set[int] = set()
        for index, _, page in _pages(self.old):
            for key in ("/Contents", "/Resources", "/Annots"):
                if key in page and number in _collect(page.raw_get(key), seen, lambda n: True, stop=number):
                    return index
        return 0

    # -- which new objects changed places refer to ----------------------------------------------------------
    def _reach(self, value: Any) -> None:
        _collect(value, self.reached, self.created.__contains__)

    def _reach_changes(self, old: Any, new: Any) -> None:
        if isinstance(new, generic.DictionaryObject):
            old = old if isinstance(old, generic.DictionaryObject) else {}
            for key in _changed_keys(old, new):
                if key in new:
                    self._reach(new.raw_get(key))
        elif isinstance(new, generic.ArrayObject):
            self._reach(new)


# ---- plain helpers ----------------------------------------------------------------------------------------------


def _number(value: Any) -> int:
    return value.idnum if isinstance(value, generic.IndirectObject) else -1


def _get(dictionary: Any, key: str, default: Any = None) -> Any:
    """A dictionary entry, dereferenced (pyHanko's `get` is dict.get: it returns references as they are)."""
    return _resolved(dictionary.raw_get(key)) if isinstance(dictionary, dict) and key in dictionary else default


def _resolved(value: Any) -> Any:
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def _items(array: Any) -> list[Any]:
    array = _resolved(array)
    return [array.raw_get(i) for i in range(len(array))] if isinstance(array, generic.ArrayObject) else []


def _raw(dictionary: Any, key: str) -> Any:
    return dictionary.raw_get(key) if key in dictionary else None


def _changed_keys(old: Any, new: Any) -> list[str]:
    old_keys = set(old.keys()) if isinstance(old, dict) else set()
    new_keys = set(new.keys()) if isinstance(new, dict) else set()
    return sorted(
        str(k)
        for k in old_keys | new_keys
        if k not in old_keys or k not in new_keys or not _same(old.raw_get(k), new.raw_get(k))
    )


def _same(a: Any, b: Any, depth: int = 0) -> bool:
    """Equal as written: references by number and generation, streams by dictionary and encoded bytes."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(a, generic.IndirectObject) or isinstance(b, generic.IndirectObject):
        return (
            isinstance(a, generic.IndirectObject)
            and isinstance(b, generic.IndirectObject)
            and (a.idnum, a.generation) == (b.idnum, b.generation)
        )
    if isinstance(a, generic.StreamObject) or isinstance(b, generic.StreamObject):
        return (
            isinstance(a, generic.StreamObject)
            and isinstance(b, generic.StreamObject)
            and not _changed_dict(a, b, depth)
            and a.encoded_data == b.encoded_data
        )
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and not _changed_dict(a, b, depth)
    if isinstance(a, list) or isinstance(b, list):
        return (
            isinstance(a, generic.ArrayObject)
            and isinstance(b, generic.ArrayObject)
            and len(a) == len(b)
            and all(_same(a.raw_get(i), b.raw_get(i), depth + 1) for i in range(len(a)))
        )
    return type(a) is type(b) and a == b


def _changed_dict(a: Any, b: Any, depth: int) -> bool:
    if set(a.keys()) != set(b.keys()):
        return True
    return any(not _same(a.raw_get(k), b.raw_get(k), depth + 1) for k in a.keys())


def _collect(value: Any, into: set[int], wanted: Any, stop: int = -1) -> set[int]:
    """Add to `into` every wanted object number reachable from `value` (following wanted references only)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(item, generic.IndirectObject):
            number = item.idnum
            if number in into or not wanted(number):
                continue
            into.add(number)
            if number == stop:
                break
            item = item.get_object()
        if isinstance(item, dict):
            stack.extend((item.raw_get(k), depth + 1) for k in item.keys())
        elif isinstance(item, generic.ArrayObject):
            stack.extend((item.raw_get(i), depth + 1) for i in range(len(item)))
    return into


def _has_name(field: Any) -> bool:
    return isinstance(field, generic.DictionaryObject) and "/T" in field


def _field_name(field: Any) -> str:
    name = _get(field, "/T", "") if isinstance(field, generic.DictionaryObject) else ""
    return "".join(str(name))


def _field_type(field: Any) -> str:
    for _ in range(MAX_DEPTH):
        if not isinstance(field, generic.DictionaryObject):
            return ""
        if "/FT" in field:
            return str(_get(field, "/FT"))
        field = _get(field, "/Parent")
    return ""


def _walk_fields(fields: list[Any], prefix: str, found: dict[int, str], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for reference in fields:
        field = _resolved(reference)
        if not isinstance(field, generic.DictionaryObject) or _number(reference) in found:
            continue
        name = prefix + _field_name(field) if "/T" in field else prefix.rstrip(".")
        found[_number(reference)] = name
        _walk_fields(_items(_get(field, "/Kids")), f"{name}." if "/T" in field else prefix, found, depth + 1)


def _page_list(resolver: Any) -> list[int]:
    return [number for _, number, _ in _pages(resolver)]


def _pages(resolver: Any) -> Iterator[tuple[int, int, Any]]:
    """(page number from 1, object number, page dictionary) in page order; loops and excessive depth end early."""
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(resolver.root.raw_get("/Pages"), 0)]
    page_number = 0
    while stack:
        reference, depth = stack.pop()
        number = _number(reference)
        node = _resolved(reference)
        if number in seen or depth > MAX_DEPTH or not isinstance(node, generic.DictionaryObject):
            continue
        seen.add(number)
        if _get(node, "/Type") == "/Pages" or "/Kids" in node:
            stack.extend((kid, depth + 1) for kid in reversed(_items(_get(node, "/Kids"))))
        else:
            page_number += 1
            yield page_number, number, node


def _xmp_properties(stream: Any) -> dict[str, str]:
    data = stream.data
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValueError("XMP with a document type declaration")
    root = ElementTree.fromstring(data)
    found: dict[str, str] = {}
    for description in root.iter(f"{_RDF}Description"):
        for key, value in description.attrib.items():
            if not key.startswith(_RDF):
                found[_xmp_name(key)] = value
        for child in description:
            found[_xmp_name(child.tag)] = " ".join(t.strip() for t in child.itertext() if t.strip())
    return found


def _xmp_name(tag: str) -> str:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        if uri in _XMP_PREFIXES:
            return f"{_XMP_PREFIXES[uri]}:{local}"
    return tag
