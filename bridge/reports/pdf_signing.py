"""Sign the report PDF with the office's certificate (PKCS#12 from configuration) through pyHanko's signer, so
it can be sent on as an official document. CPU and file work: callers run it in a thread."""

from __future__ import annotations

import io
from pathlib import Path

FIELD = "ChuKyCoQuan"  # the organisation's signature, as on the documents it issues


class ReportSigningError(Exception):
    """A Vietnamese message: the certificate file, its passphrase or the signing failed."""


def sign_report(pdf: bytes, pkcs12_file: str, passphrase: bytes | None, reason: str = "Báo cáo định kỳ") -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    path = Path(pkcs12_file)
    if not path.is_file():
        raise ReportSigningError(f"Không tìm thấy tệp chứng thư số để ký báo cáo: {pkcs12_file}")
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
    except (ValueError, TypeError, OSError):
        signer = None
    if signer is None:
        raise ReportSigningError("Không đọc được chứng thư số (tệp PKCS#12 hoặc mật khẩu không đúng).")
    meta = signers.PdfSignatureMetadata(field_name=FIELD, reason=reason, md_algorithm="sha256")
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return out.getvalue()  # type: ignore[no-any-return,union-attr]
