"""`python -m app.export_child`: makes one requested file in a fresh interpreter, so that the
libraries that lay files out (python-docx, openpyxl, matplotlib) and the memory a large export
takes never enter a bot worker (app/export_runner.py starts it).

It reads the job, one JSON line, on stdin, opens the database the settings name for reading
(app/export_context.py, as `baocao export` does), makes the file with the builders a script uses
(bot/documents/export_jobs.py), and writes the result, one JSON line, on stdout. The worker keeps stdin open while it waits: when stdin closes
before the file is made, the worker is gone, and so is this process (its request is taken over)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from datetime import datetime

from app.export_context import export_context
from app.settings import Settings
from bot.base.events import Attachment
from bot.base.exports import ExportJob, ExportKind, ExportRequest

__all__ = ["ORPHANED", "decode_job", "decode_result", "encode_job", "encode_result", "main"]

ORPHANED = 3
"""The exit status when the worker went away first."""


def encode_job(job: ExportJob) -> str:
    request = job.request
    return json.dumps({
        "id": job.id, "requested_at": job.requested_at.isoformat(), "attempts": job.attempts, "claim": job.claim,
        "kind": request.kind.value, "unit_id": request.unit_id, "campaign_code": request.campaign_code,
        "person_id": request.person_id, "channel": request.channel, "chat_id": request.chat_id, "locale": request.locale,
        "takes_files": request.takes_files,
    }, ensure_ascii=False)  # fmt: skip


def decode_job(line: str) -> ExportJob:
    fields = json.loads(line)
    request = ExportRequest(
        ExportKind(fields["kind"]), fields["unit_id"], fields["campaign_code"], fields["person_id"], fields["channel"],
        fields["chat_id"], fields["locale"], fields["takes_files"],
    )  # fmt: skip
    return ExportJob(fields["id"], request, datetime.fromisoformat(fields["requested_at"]), fields["attempts"], fields["claim"])


def encode_result(text: str, attachment: Attachment | None) -> str:
    file = None if attachment is None else {"path": attachment.path, "name": attachment.name, "media_type": attachment.media_type}
    return json.dumps({"text": text, "attachment": file}, ensure_ascii=False)


def decode_result(line: str) -> tuple[str, Attachment | None]:
    fields = json.loads(line)
    file = fields["attachment"]
    return fields["text"], None if file is None else Attachment(file["path"], file["name"], file["media_type"])


async def make(job: ExportJob, settings: Settings) -> tuple[str, Attachment | None]:
    from bot.documents.export_jobs import make_export

    async with export_context(settings, check_schema=False) as context:
        return await make_export(job, context.reads, context.tree, context.campaigns, context.layout, settings.zone)


def leave_when_orphaned() -> None:
    """Waits for stdin to close: the worker that started this process is gone."""
    sys.stdin.read()
    os._exit(ORPHANED)


def main() -> int:
    job = decode_job(sys.stdin.readline())
    threading.Thread(target=leave_when_orphaned, name="orphaned", daemon=True).start()
    text, attachment = asyncio.run(make(job, Settings()))
    print(encode_result(text, attachment), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
