"""A fast, conservative difference analysis for the normal case: later revisions that only add signatures.

An issued document carries the personal signature, then the organisation's (NĐ 30/2020 Điều 5), so the first
signature is always followed by one more revision. pyHanko's StandardDiffPolicy judges that revision by walking
the whole object graph of the signed revision to find every path to every rewritten object: ~80% of the time
spent validating a two-signature PDF, and growing with the page count.

`review_appended_signatures` accepts a revision only when it is recognisably "a signature was appended":
  * it frees nothing and keeps the trailer's /Root, /Info and /Encrypt;
  * every object it creates is a new top-level signature field (merged with its widget), that field's
    signature dictionary, or an object reachable only from those fields (appearance streams …), or the revision's
    own xref/object streams;
  * every object it rewrites is identical to its previous version, or is the AcroForm (only /Fields extended by
    the new fields), a page (only /Annots extended by new fields whose /P is that page), the document
    information dictionary (only /ModDate and /Producer) or the XMP metadata stream (well-formed), the last two
    used nowhere else;
  * every "N G R" in the bytes and object streams of the earlier revisions names an object that existed then, so
    nothing old can point at what the revision creates (a "dangling reference" planted before signing and
    filled in later), and nothing old dangles.
Everything else returns None, and `SignatureAppendPolicy` then runs pyHanko's full analysis: the fast path can
only decline, never overrule it. It answers what pyHanko answers for such a revision: FORM_FILLING with the new
field names (checked case by case in tests/integration/signing/test_append_policy.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffPolicy,
    DiffResult,
    ModificationLevel,
    SuspiciousModification,
)
from pyhanko.sign.diff_analysis.policies import _is_id
from pyhanko.sign.diff_analysis.rules.metadata_rules import MetadataUpdateRule

log = logging.getLogger(__name__)

_SKIPPED_WHEN_WALKING = frozenset({"/P", "/Parent"})  # back-links to the page / field tree, checked separately
_SEP = rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*[\r\n])+"  # PDF whitespace and comments (a comment ends its line)
# reversed text: every "N G R" ends with a separator then R, so each starts so here; whitespace-only ones read
# (a third group holds "%" when one is on the line before N: then a comment may hide or fake the tokens)
_R_REVERSED = re.compile(rb"R[\x00\t\n\x0c\r ]++(?:([0-9]++)[\x00\t\n\x0c\r ]++([0-9]++)(?=[^\r\n%]*+(%?)))?")
# every number in a window that could be the N of "N G <window end>", with its G
_NUMBER_BEFORE_END = re.compile(rb"(?<![0-9])([0-9]+)(?=" + _SEP + rb"([0-9]+)" + _SEP + rb"\Z)")
_MAYBE_CUT = re.compile(rb"(?:[0-9\x00\t\n\x0c\r ]|%[^\r\n]*)*")  # a window that might start mid-reference
_WINDOW, _MAX_WINDOW = 32, 65536  # "123 0 R" fits the first; longer ones widen it
_STAMPED_INFO = frozenset({"/ModDate", "/Producer"})


class Declined(Exception):
    """The revision is not a plain signature append; the full analysis must judge it."""


def review_appended_signatures(reader: PdfFileReader, base_revision: int) -> DiffResult | None:
    """FORM_FILLING + the new field names if every revision after `base_revision` only appends signatures."""
    xrefs = reader.xrefs
    if xrefs.hybrid_xrefs_present or base_revision + 1 >= xrefs.total_revisions:
        return None
    names: set[str] = set()
    try:
        for revision in range(base_revision + 1, xrefs.total_revisions):
            names |= _review_revision(reader, revision)
    except Declined as e:
        log.debug("full difference analysis needed: %s", e)
        return None
    return DiffResult(ModificationLevel.FORM_FILLING, names)


class SignatureAppendPolicy(DiffPolicy):
    """pyHanko DiffPolicy: the fast path above, else `fallback` (pyHanko's standard policy) decides."""

    def __init__(self, fallback: DiffPolicy = DEFAULT_DIFF_POLICY) -> None:
        self.fallback = fallback
        self.fast_reviews = 0
        self.full_reviews = 0

    def apply(self, old: Any, new: Any, field_mdp_spec: Any = None, doc_mdp: Any = None) -> DiffResult:
        return self.fallback.apply(old, new, field_mdp_spec, doc_mdp)

    def review_file(
        self,
        reader: PdfFileReader,
        base_revision: int | HistoricalResolver,
        field_mdp_spec: Any = None,
        doc_mdp: Any = None,
    ) -> DiffResult | SuspiciousModification:
        # Locked fields (FieldMDP) and certification (DocMDP) make the judgement depend on more than the shape of
        # the revision: leave them to the full analysis.
        if field_mdp_spec is None and doc_mdp is None and isinstance(base_revision, int):
            result = review_appended_signatures(reader, base_revision)
            if result is not None:
                self.fast_reviews += 1
                return result
        self.full_reviews += 1
        return self.fallback.review_file(reader, base_revision, field_mdp_spec=field_mdp_spec, doc_mdp=doc_mdp)


def _review_revision(reader: PdfFileReader, revision: int) -> set[str]:
    xrefs = reader.xrefs
    if xrefs.refs_freed_in_revision(revision):
        raise Declined("objects freed")
    old = reader.get_historical_resolver(revision - 1)
    newest = revision == xrefs.total_revisions - 1
    new: Revision = _Newest(reader) if newest else reader.get_historical_resolver(revision)
    _check_trailer(old.trailer_view, new.trailer_view)
    explicit = xrefs.explicit_refs_in_revision(revision)
    created = {ref for ref in explicit if xrefs.get_historical_ref(ref, revision - 1) is None}
    fields = {ref: new(ref) for ref in created if _is_new_signature_field(new(ref))}
    if not fields:
        raise Declined("no signature field created")
    rewrites = _check_rewritten(old, new, explicit - created, set(fields))
    if rewrites.fields != set(fields) or rewrites.annots != set(fields):
        raise Declined("new fields not exactly those appended to /Fields and a page's /Annots")
    reached = set(fields) | _objects_reached(new, fields.values(), created)
    if created - reached - _bookkeeping_streams(reader, new, revision):
        raise Declined("objects created that no new signature field uses")
    earlier = [(text, list(_references(text))) for text in _earlier_text(reader, revision)]
    _check_earlier_references(reader, revision, earlier, created)
    for ref, key in rewrites.metadata:
        _check_only_mentioned_as(earlier, ref, key)
    return _new_field_names(old, fields.values())


class _Newest:
    """The newest revision, read through the reader itself: what a HistoricalResolver for it returns, without
    copying every object it hands out (the reader caches them, and has parsed most already)."""

    def __init__(self, reader: PdfFileReader) -> None:
        self.reader = reader
        self.trailer_view = reader.trailer_view

    def __call__(self, ref: generic.Reference) -> Any:
        return self.reader.get_object(ref)

    def get_object(self, ref: generic.Reference) -> Any:
        return self.reader.get_object(ref)


Revision = HistoricalResolver | _Newest  # what a revision's objects are read through


def _check_trailer(old: generic.DictionaryObject, new: generic.DictionaryObject) -> None:
    for key in ("/Root", "/Info", "/Encrypt"):
        if key in old or key in new:
            if key not in old or key not in new or not _is_id(old.raw_get(key), new.raw_get(key)):
                raise Declined(f"trailer {key} changed")
    if "/Encrypt" in new:
        raise Declined("encrypted document")


def _is_new_signature_field(obj: Any) -> bool:
    """A top-level signature field merged with its widget, carrying a signature dictionary."""
    if not isinstance(obj, generic.DictionaryObject) or obj.get("/FT") != "/Sig":
        return False
    if "/Kids" in obj or "/Parent" in obj or obj.get("/Subtype") != "/Widget":
        raise Declined("signature field with kids, a parent or a separate widget")
    value = obj.raw_get("/V") if "/V" in obj else None
    page = obj.raw_get("/P") if "/P" in obj else None
    if not isinstance(value, generic.IndirectObject) or not isinstance(page, generic.IndirectObject):
        raise Declined("signature field without an indirect /V and /P")
    sig = value.get_object()
    if not isinstance(sig, generic.DictionaryObject) or sig.get("/Type", "/Sig") != "/Sig":
        raise Declined("/V is not a signature dictionary")
    return True


@dataclass
class _Rewrites:
    fields: set[Any] = field(default_factory=set)  # refs appended to the AcroForm's /Fields
    annots: set[Any] = field(default_factory=set)  # refs appended to pages' /Annots
    metadata: list[tuple[Any, bytes]] = field(default_factory=list)  # (ref, the only key that may point at it)


def _check_rewritten(
    old: HistoricalResolver, new: Revision, rewritten: Iterable[generic.Reference], fields: set[Any]
) -> _Rewrites:
    """Every rewritten object is identical, the document information or XMP metadata (updated by signing
    software, as pyHanko's DocInfoRule/MetadataUpdateRule allow), or the AcroForm/page with new fields appended."""
    found = _Rewrites()
    acroform, root_ref = _raw(old.root, "/AcroForm"), _raw(old.trailer_view, "/Root")
    info, xmp = _raw(old.trailer_view, "/Info"), _raw(old.root, "/Metadata")
    for ref in rewritten:
        before, after = old(ref), new(ref)
        if _is_id(before, after):
            continue
        if _points_at(acroform, ref):
            found.fields |= _appended(before, after, "/Fields", fields)
        elif _points_at(root_ref, ref):
            found.fields |= _appended_inline_acroform(before, after, fields)
        elif _points_at(info, ref):
            _check_document_information(before, after)
            found.metadata.append((ref, b"/Info"))
        elif _points_at(xmp, ref):
            _check_xmp(old, new, ref)
            found.metadata.append((ref, b"/Metadata"))
        elif _is_page(before) and _is_page(after):
            added = _appended(before, after, "/Annots", fields)
            if any(new(widget).raw_get("/P").reference != ref for widget in added):
                raise Declined("widget appended to a page its /P does not name")
            found.annots |= added
        else:
            raise Declined(f"{ref!r} rewritten")
    return found


def _raw(holder: Any, key: str) -> Any:
    return holder.raw_get(key) if isinstance(holder, generic.DictionaryObject) and key in holder else None


def _points_at(value: Any, ref: generic.Reference) -> bool:
    return isinstance(value, generic.IndirectObject) and value.reference == ref


def _check_document_information(before: Any, after: Any) -> None:
    """Signing software stamps /ModDate and /Producer; any other change to the document information (title,
    author …) is left to the full analysis."""
    if not (isinstance(before, generic.DictionaryObject) and isinstance(after, generic.DictionaryObject)):
        raise Declined("/Info is not a dictionary")
    if isinstance(after, generic.StreamObject) or not set(before.keys()) <= set(after.keys()):
        raise Declined("/Info lost entries")
    for key in after:
        value = after.raw_get(key)
        if key in _STAMPED_INFO:
            if not isinstance(value, (generic.TextStringObject, generic.ByteStringObject)):
                raise Declined(f"/Info {key} is not text")
        elif key not in before or not _is_id(before.raw_get(key), value):
            raise Declined(f"/Info {key} changed")


def _check_xmp(old: HistoricalResolver, new: Revision, ref: generic.Reference) -> None:
    """pyHanko's own check: both versions well-formed XMP without entities."""
    for resolver in (old, new.reader if isinstance(new, _Newest) else new):
        try:
            MetadataUpdateRule.is_well_formed_xml(generic.Reference(ref.idnum, ref.generation, pdf=resolver))
        except SuspiciousModification as e:
            raise Declined(f"XMP metadata: {e}") from e


def _appended(before: Any, after: Any, key: str, allowed: set[Any]) -> set[Any]:
    """`after` is `before` with only references from `allowed` appended to its direct array `key`."""
    if not (isinstance(before, generic.DictionaryObject) and isinstance(after, generic.DictionaryObject)):
        raise Declined(f"{key} holder is not a dictionary")
    if set(before.keys()) - {key} != set(after.keys()) - {key} or key not in after:
        raise Declined(f"keys other than {key} changed")
    if not all(_is_id(before.raw_get(k), after.raw_get(k)) for k in before if k != key):
        raise Declined(f"values other than {key} changed")
    old_items = before.raw_get(key) if key in before else generic.ArrayObject()
    new_items = after.raw_get(key)
    if not (isinstance(old_items, generic.ArrayObject) and isinstance(new_items, generic.ArrayObject)):
        raise Declined(f"{key} is not a direct array")
    raw = [new_items.raw_get(i) for i in range(len(new_items))]
    head, tail = raw[: len(old_items)], raw[len(old_items) :]
    if not _is_id(old_items, generic.ArrayObject(head)):
        raise Declined(f"existing {key} entries changed")
    refs = [item.reference if isinstance(item, generic.IndirectObject) else None for item in tail]
    if not tail or any(ref not in allowed for ref in refs) or len(set(refs)) != len(refs):
        raise Declined(f"{key} gained something other than a new signature field")
    return set(refs)


def _appended_inline_acroform(before: Any, after: Any, fields: set[Any]) -> set[Any]:
    """A catalog whose only change is its direct /AcroForm dictionary gaining fields."""
    if set(before.keys()) != set(after.keys()) or not all(
        _is_id(before.raw_get(k), after.raw_get(k)) for k in before if k != "/AcroForm"
    ):
        raise Declined("catalog changed")
    return _appended(before.raw_get("/AcroForm"), after.raw_get("/AcroForm"), "/Fields", fields)


def _is_page(obj: Any) -> bool:
    return isinstance(obj, generic.DictionaryObject) and obj.get("/Type") == "/Page"


def _objects_reached(new: Revision, roots: Iterable[Any], created: set[Any]) -> set[Any]:
    """Created objects reachable from the new fields (not following /P or /Parent); an old one reached declines."""
    reached: set[Any] = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if isinstance(obj, generic.IndirectObject):
            if obj.reference not in created:
                raise Declined("a new signature field uses an existing object")
            if obj.reference not in reached:
                reached.add(obj.reference)
                stack.append(new(obj.reference))
        elif isinstance(obj, generic.DictionaryObject):  # streams included
            stack.extend(obj.raw_get(k) for k in obj if k not in _SKIPPED_WHEN_WALKING)
        elif isinstance(obj, generic.ArrayObject):
            stack.extend(obj)
    return reached


def _bookkeeping_streams(reader: PdfFileReader, new: Revision, revision: int) -> set[Any]:
    """The revision's own cross-reference stream and object streams, when it uses them."""
    xrefs = reader.xrefs
    streams = set(xrefs.object_streams_used_in(revision))
    stream_ref = xrefs.get_xref_container_info(revision).stream_ref
    if stream_ref is not None:
        streams.add(stream_ref)
    for ref in streams:
        obj = new(ref)
        if not isinstance(obj, generic.StreamObject) or obj.get("/Type") not in ("/ObjStm", "/XRef"):
            raise Declined(f"{ref!r} is not an object or xref stream")
    return streams


def _new_field_names(old: HistoricalResolver, fields: Iterable[Any]) -> set[str]:
    existing = {str(f.get_object().get("/T", "")) for f in old.root["/AcroForm"].get("/Fields", ())}
    names = {str(field.get("/T", "")) for field in fields}
    if "" in names or names & existing or len(names) != len(list(fields)):
        raise Declined("new field unnamed or named like an existing one")
    return names


Mentions = list[tuple[bytes, list[tuple[int, int, int]]]]  # each earlier text with its (start, N, G) references


def _check_earlier_references(reader: PdfFileReader, revision: int, earlier: Mentions, created: set[Any]) -> None:
    """Every "N G R" in earlier bytes or object streams names an object that existed before this revision.

    So nothing old can point at what the revision creates, and no reference was left dangling (pyHanko's
    strict reader fails on one it meets). Reading bytes instead of objects keeps this cheap; a look-alike
    inside a string or a binary stream can only decline the fast path.
    """
    created_numbers = {ref.idnum for ref in created}
    named = {(number, generation) for _text, references in earlier for _start, number, generation in references}
    for number, generation in named:
        if number in created_numbers:
            raise Declined("an earlier revision refers to an object this revision creates")
        if not _existed_before(reader.xrefs, revision, number, generation):
            raise Declined(f"an earlier revision refers to {number} {generation} R, which does not exist")


def _existed_before(xrefs: Any, revision: int, number: int, generation: int) -> bool:
    """xrefs.get_historical_ref(N G, revision - 1) is not None, with dictionary look-ups instead of one
    exception per cross-reference section (a 50-page document names a hundred objects)."""
    for earlier in range(revision - 1, -1, -1):
        data = xrefs.get_xref_data(earlier)
        if data.hybrid is not None:  # declined before this, but answer exactly anyway
            return xrefs.get_historical_ref(generic.Reference(number, generation), revision - 1) is not None
        if generation == 0 and number in data.xrefs_in_objstm:
            return True
        standard = data.standard_xrefs.get(number)
        if standard is not None:
            if standard[0] == generation:
                return True
            continue  # another generation: pyHanko looks further back
        freed = data.freed.get(number)
        if freed is not None and generation == freed - 1:
            return False
    return False


def _check_only_mentioned_as(earlier: Mentions, ref: generic.Reference, key: bytes) -> None:
    """Every earlier "N G R" for `ref` is the value of `key`: the rewrite changes nothing else."""
    before_key = re.compile(re.escape(key) + rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*[\r\n])*\Z")
    for text, references in earlier:
        for start, number, _generation in references:
            if number == ref.idnum and not before_key.search(text, max(0, start - 256), start):
                raise Declined(f"{ref!r} is used elsewhere than as {key.decode()}")


def _references(text: bytes) -> Iterator[tuple[int, int, int]]:
    """Every way `text` can be read as "N G R": (start, N, G), comments and leading zeros included.

    Every R after a separator is read backwards, with one regex over the reversed text that also reads the
    common "12 0 R" (R first lets the regex engine skip quickly; forwards, the long runs of zeros in signature
    placeholders make a regex slow). Where a comment could be involved, the window before that R is read in full.
    """
    size = len(text)
    for match in _R_REVERSED.finditer(text[::-1]):
        generation, number, comment = match.groups()  # reversed, G comes first
        if number is not None and not comment:
            yield size - match.end(2), int(number[::-1]), int(generation[::-1])
        else:
            yield from _references_ending_at(text, size - 1 - match.start())  # from where the R is


def _references_ending_at(text: bytes, end: int) -> Iterator[tuple[int, int, int]]:
    """Every (start, N, G) that reads as "N G " up to `end`, comments included. A window that may start inside
    a reference is widened; a reference longer than 64 KiB declines."""
    width = _WINDOW
    while True:
        low = max(0, end - width)
        if low == 0 or not _MAYBE_CUT.fullmatch(text, low, end):
            break
        if width >= _MAX_WINDOW:
            raise Declined("a reference-like run longer than 64 KiB")
        width *= 4
    for number in _NUMBER_BEFORE_END.finditer(text, low, end):
        yield number.start(), int(number.group(1)), int(number.group(2))


def _start_of_revision(reader: PdfFileReader, revision: int) -> int:
    """Where the revision's own bytes begin; every earlier revision's objects must lie before it."""
    xrefs = reader.xrefs
    own = list(_offsets(xrefs.get_xref_data(revision)))
    boundary = min([*own, xrefs.get_xref_container_info(revision).start_location])
    for earlier in range(revision):
        data = xrefs.get_xref_data(earlier)
        if any(offset >= boundary for offset in _offsets(data)):
            raise Declined("an earlier revision's object lies after the revision's start")
        if xrefs.get_xref_container_info(earlier).end_location > boundary:
            raise Declined("an earlier cross-reference section lies after the revision's start")
    return boundary


def _offsets(data: Any) -> Iterator[int]:
    return (offset for _generation, offset in data.standard_xrefs.values())


def _earlier_text(reader: PdfFileReader, revision: int) -> list[bytes]:
    """The bytes of every earlier revision, and the decoded content of their object streams."""
    stream = reader.stream
    position = stream.tell()
    stream.seek(0)
    texts = [stream.read(_start_of_revision(reader, revision))]
    stream.seek(position)
    for earlier in range(revision):
        resolver = reader.get_historical_resolver(earlier)
        for ref in reader.xrefs.object_streams_used_in(earlier):
            obj = resolver(ref)
            if not isinstance(obj, generic.StreamObject):
                raise Declined(f"object stream {ref!r} is not a stream")
            texts.append(obj.data)
    return texts
