"""Attachment payloads the way the VNPT reference library handles them: one-entry zip, then base64."""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
from pathlib import PurePosixPath, PureWindowsPath

from bridge.edxml.model import EdxmlError

ZIP = "application/zip"
ZIP_MAGIC = b"PK\x03\x04"
DEFAULT_MAX_UNZIPPED = 256 * 1024 * 1024  # per file, and for all the files of one packet together
_ZIP_TYPES = {ZIP, "application/x-zip-compressed", "application/x-zip", "multipart/x-zip"}
# A fixed entry time keeps a packet built twice from the same data byte-identical.
_EPOCH = (1980, 1, 1, 0, 0, 0)

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".rtf": "application/rtf",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".zip": ZIP,
    ".rar": "application/vnd.rar",
    ".7z": "application/x-7z-compressed",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
OCTET = "application/octet-stream"


def is_zip_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in _ZIP_TYPES


def guess_type(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name.lower()).suffix, OCTET)


def _entry_name(name: str) -> str:
    # Only the base name goes into the archive: no directories, no "..", no drive letters.
    base = PureWindowsPath(PurePosixPath(name).name).name.strip()
    return base or "tep-dinh-kem"


def encode(name: str, data: bytes) -> str:
    """Zip the file as a single entry and base64 the archive (ContentType becomes application/zip)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(_entry_name(name), date_time=_EPOCH)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, data)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode_base64(text: str, name: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EdxmlError(f"Nội dung tệp đính kèm «{name}» không phải base64 hợp lệ") from exc


def _single_entry(raw: bytes, name: str, max_unzipped: int) -> bytes | None:
    """The one file inside a VNPT-style wrapping; None when `raw` is not a zip or is some other zip.

    A zip that announces itself (a central directory is there) but cannot be read — names that are not UTF-8,
    offsets pointing outside it, corrupt deflate data, an unknown method, a password — is a damaged attachment.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        return None
    except Exception as exc:  # zipfile raises whatever its struct/seek/decode calls raise on lying headers
        raise _damaged(name, exc) from exc
    with archive:
        files = [i for i in archive.infolist() if not i.is_dir()]
        if len(files) != 1:
            return None
        if files[0].file_size > max_unzipped:
            raise EdxmlError(f"Tệp đính kèm «{name}» giải nén quá lớn: {files[0].file_size} byte")
        try:
            with archive.open(files[0]) as fh:
                data = fh.read(max_unzipped + 1)  # the header's size may lie
        except Exception as exc:  # zlib.error, BadZipFile (CRC), EOFError, NotImplementedError, RuntimeError …
            raise _damaged(name, exc) from exc
    if len(data) > max_unzipped:
        raise EdxmlError(f"Tệp đính kèm «{name}» giải nén quá lớn: hơn {max_unzipped} byte")
    return data


def _damaged(name: str, exc: BaseException) -> EdxmlError:
    return EdxmlError(f"Tệp đính kèm «{name}» bị hỏng, không giải nén được ({type(exc).__name__})")


def unwrap(raw: bytes, name: str, declared_type: str, max_unzipped: int = DEFAULT_MAX_UNZIPPED) -> bytes:
    """Undo the SDK's zip wrapping when the payload is a one-entry zip the name does not call a zip.

    Declared zip type: unwrap (SDK behaviour). A payload that is a zip under another declared type
    (real VXP packets carry `application/pdf` around zipped bytes) is unwrapped too unless the file
    name says the file itself is a zip container (.zip, .docx …), which is then kept as is.
    """
    if not raw.startswith(ZIP_MAGIC):
        return raw
    if not is_zip_type(declared_type) and _is_container(guess_type(name)):
        return raw
    inner = _single_entry(raw, name, max_unzipped)
    return raw if inner is None else inner


def _is_container(content_type: str) -> bool:
    return "openxmlformats" in content_type or "opendocument" in content_type or is_zip_type(content_type)
