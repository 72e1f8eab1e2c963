"""An official report written as its parts come (app/report_docx.py lays out the frame, with a
paragraph marking where the body and the annex go): the frame's parts copied into the file, its
document part written around the body and then the annex, a chunk at a time as the core reads
it, so a province's summary is never held whole, as data or as XML."""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from app.docx_body import KEEP_NEXT, PAGE_BREAK, blocks_xml
from app.report_docx import report_frame
from bot.documents.model import Block, OfficialReport

__all__ = ["ReportFile"]


class ReportFile:
    """A report written as its parts come: the frame, the body, then the annex a chunk at a
    time, straight into the file; `close` finishes it. Every call does blocking work, for a
    worker thread."""

    def __init__(self, path: Path, report: OfficialReport) -> None:
        self.report = report
        marks = f"body-{uuid.uuid4().hex}", f"annex-{uuid.uuid4().hex}"
        frame, self.styles = report_frame(report, marks, has_annex(report))
        self.file = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=FASTEST)
        with zipfile.ZipFile(frame) as parts:
            for part in parts.infolist():
                if part.filename != DOCUMENT:
                    self.file.writestr(part, parts.read(part))
            document = parts.read(DOCUMENT).decode()
        before_body, rest = document.split(marked(marks[0]))
        self.between, self.tail = rest.split(marked(marks[1])) if has_annex(report) else (rest, "")
        self.document: IO[bytes] = self.file.open(DOCUMENT, "w", force_zip64=True)
        self.write(before_body)
        self.annex_begun = False

    def write(self, text: str) -> None:
        self.document.write(text.encode())

    def write_body(self) -> None:
        """The body, its last paragraph kept with the signer's block, so the block never stands
        alone on a page; then the block itself."""
        for part in blocks_xml(self.report.blocks, self.styles, last=KEEP_NEXT):
            self.write(part)
        self.write(self.between)

    def write_annex(self, blocks: Sequence[Block]) -> None:
        """More of the annex, which opens a page of its own: a break of its first paragraph's own,
        not a paragraph holding a break, which would leave an empty page when the signature fills
        the last."""
        if blocks:
            self.write("".join(blocks_xml(blocks, self.styles, first="" if self.annex_begun else PAGE_BREAK)))
            self.annex_begun = True

    def close(self) -> None:
        self.write(self.tail)
        self.abandon()

    def abandon(self) -> None:
        self.document.close()
        self.file.close()


DOCUMENT = "word/document.xml"
FASTEST = 1
"""zlib's fastest compression: a province's summary is tens of megabytes of XML, and compressing
it harder took seconds for a file a few percent smaller."""


def has_annex(report: OfficialReport) -> bool:
    """An annex streamed is never empty (a summary's says so when no unit has reported)."""
    return not isinstance(report.annex, Sequence) or bool(report.annex)


def marked(mark: str) -> str:
    """The paragraph standing where the body or the annex goes, as the frame's XML has it."""
    return f"<w:p><w:r><w:t>{mark}</w:t></w:r></w:p>"
