"""A PDF page as a PNG, rendered on the server with PDFium (pypdfium2), so the page preview works in any
browser without a PDF plugin. CPU work: callers run it in a thread."""

from __future__ import annotations

import io

MAX_PIXELS = 2200  # longest side of the image, whatever the page size


class PreviewError(Exception):
    """The file cannot be rendered (Vietnamese message)."""


def page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise PreviewError("Không đọc được tệp PDF để xem trước.") from exc
    try:
        return len(doc)
    finally:
        doc.close()


def render_page(pdf: bytes, index: int, scale: float = 1.5) -> bytes:
    """PNG of page `index` (0-based). PreviewError for an unreadable file or a page that does not exist."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise PreviewError("Không đọc được tệp PDF để xem trước.") from exc
    try:
        if not 0 <= index < len(doc):
            raise PreviewError(f"Tệp chỉ có {len(doc)} trang.")
        page = doc[index]
        try:
            width, height = page.get_size()
            scale = min(scale, MAX_PIXELS / max(width, height, 1))
            bitmap = page.render(scale=scale)
            image = bitmap.to_pil()
            buf = io.BytesIO()
            image.save(buf, format="PNG", optimize=False)
            return buf.getvalue()
        finally:
            page.close()
    finally:
        doc.close()
