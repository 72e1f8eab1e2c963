"""What the fake OA's upload endpoints take: per kind, the size limit, the extensions and the
content types Zalo accepts (zalo_oa.py serves them)."""

from __future__ import annotations

from pathlib import PurePosixPath

__all__ = ["BODY_LIMIT", "UPLOADS", "UPLOAD_KEY", "of_type", "picture_type"]

UPLOADS = {
    "file": (5 * 1024 * 1024, {".pdf", ".doc", ".docx"}, {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }),
    "image": (1024 * 1024, {".jpg", ".jpeg", ".png", ".gif"}, {"image/jpeg", "image/png", "image/gif"}),
}  # fmt: skip
"""Per upload kind: the size limit, the extensions and the content types Zalo takes."""
UPLOAD_KEY = {"file": "token", "image": "attachment_id"}
BODY_LIMIT = 32 * 1024 * 1024
"""What the server reads of a request: above every upload limit, so the fake itself refuses
an upload too large rather than aiohttp's 1 MB default."""


def of_type(name: str, content_type: str, extensions: set[str], types: set[str]) -> bool:
    """The name's extension decides; a name without one is judged by the content type."""
    extension = PurePosixPath(name).suffix.lower()
    return extension in extensions if extension else content_type in types


def picture_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"GIF8"):
        return "image/gif"
    return "image/jpeg"
