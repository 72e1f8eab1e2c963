"""Files the fake knows about, whoever uploaded them, so getFile and downloads can serve them."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Any


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None

    def meta(self) -> dict[str, Any]:
        """The fields every Telegram file object (PhotoSize, Document, Voice...) carries."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }

    def as_file(self) -> dict[str, Any]:
        """The File object getFile returns; PTB prefixes file_path with base_file_url."""
        return {**self.meta(), "file_path": self.file_path}


class FileStore:
    def __init__(self) -> None:
        self._numbers = count(1)
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def add(
        self,
        data: bytes,
        folder: str,
        extension: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Store `data` under a fresh id and a Telegram-like path, e.g. photos/file_3.jpg."""
        number = next(self._numbers)
        stored = StoredFile(
            file_id=f"fake-{folder}-{number}",
            file_unique_id=f"unique-{number}",
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def by_id(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)
