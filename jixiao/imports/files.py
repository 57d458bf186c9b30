"""Uploaded files: format check, size and zip-bomb guard, storage by SHA-256.

Everything here runs before a parser sees the bytes. An .xlsx is a zip archive whose members can
expand a thousandfold, so its member list is checked (count, declared sizes, paths) and then every
member is streamed through a counter that stops at the limit: a file that lies about its sizes is
refused as well, and the rows of its worksheets are counted on the way (to decide between a
background task and an inline run without parsing).
"""

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings

from jixiao.core.errors import DomainError

FORMATS = {".xlsx": "xlsx", ".csv": "csv"}
MAX_ZIP_MEMBERS = 1000
CHUNK = 1024 * 1024
ROW_TAG = b"<row "
REQUIRED_XLSX_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")


class FileRefused(DomainError):
    """The file is not accepted at all (type, size, structure); nothing was stored or parsed."""


def file_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in FORMATS:
        if suffix in (".xls", ".xlsm", ".xlsb", ".et"):
            raise FileRefused(f"不支持“{suffix}”格式：请在 Excel 中另存为 .xlsx（Excel 工作簿）后再上传", field="file")
        raise FileRefused("只能上传 .xlsx 或 .csv 文件", field="file")
    return FORMATS[suffix]


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} 字节"


@dataclass(frozen=True)
class Checked:
    """What the guard learnt: the format and an estimate of the data rows (all rows, header included)."""

    fmt: str
    rows: int


def check_upload(file: IO[bytes], *, filename: str, size: int) -> Checked:
    """Refuse what must not be parsed. `file` must be seekable; it is left at position 0."""
    fmt = file_format(filename)
    limit = settings.JIXIAO_IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise FileRefused(f"文件大小 {human_size(size)} 超过上限 {human_size(limit)}", field="file")
    if size == 0:
        raise FileRefused("文件是空的", field="file")
    file.seek(0)
    try:
        rows = _check_xlsx(file) if fmt == "xlsx" else _check_csv(file)
    finally:
        file.seek(0)
    return Checked(fmt, rows)


def _check_xlsx(file: IO[bytes]) -> int:
    head = file.read(4)
    file.seek(0)
    if head != b"PK\x03\x04":
        raise FileRefused("文件扩展名为 .xlsx，但内容不是 Excel 工作簿", field="file")
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRefused("Excel 文件已损坏，无法打开", field="file") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise FileRefused(f"Excel 文件包含 {len(members)} 个内部部件，超过上限 {MAX_ZIP_MEMBERS}", field="file")
        limit = settings.JIXIAO_IMPORT_MAX_UNCOMPRESSED_BYTES
        declared = sum(m.file_size for m in members)
        if declared > limit:
            raise FileRefused(
                f"Excel 文件解压后大小 {human_size(declared)} 超过上限 {human_size(limit)}，已拒绝（疑似压缩炸弹）",
                field="file",
            )
        names = {m.filename for m in members}
        for m in members:
            path = PurePosixPath(m.filename)
            if path.is_absolute() or ".." in path.parts or "\\" in m.filename:
                raise FileRefused("Excel 文件包含非法的内部路径，已拒绝", field="file")
            if m.filename.lower().endswith(("vbaproject.bin", ".zip", ".xlsx", ".xlsm")):
                raise FileRefused("Excel 文件包含宏或嵌套文件，已拒绝", field="file")
        if not all(n in names for n in REQUIRED_XLSX_MEMBERS):
            raise FileRefused("文件不是有效的 Excel 工作簿（缺少工作簿部件）", field="file")
        # The declared sizes may lie: count what the members really expand to, stopping at the limit.
        total = 0
        rows = 0
        for m in members:
            counting = m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")
            tail = b""
            try:
                with archive.open(m) as stream:
                    while chunk := stream.read(CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise FileRefused(
                                f"Excel 文件解压后大小超过上限 {human_size(limit)}，已拒绝（疑似压缩炸弹）",
                                field="file",
                            )
                        if counting:
                            data = tail + chunk
                            rows += data.count(ROW_TAG)
                            tail = chunk[-(len(ROW_TAG) - 1) :]
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
                raise FileRefused("Excel 文件已损坏或已加密，无法读取", field="file") from exc
    return rows


def _check_csv(file: IO[bytes]) -> int:
    head = file.read(4096)
    file.seek(0)
    if head.startswith(b"PK\x03\x04") or b"\x00" in head:
        raise FileRefused("文件扩展名为 .csv，但内容不是文本", field="file")
    rows = 0
    while chunk := file.read(CHUNK):
        rows += chunk.count(b"\n")
    return rows + 1


def stored_path(sha256: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / sha256


def store(file: IO[bytes]) -> tuple[str, int]:
    """Copy the upload to MEDIA_ROOT/imports/<sha256> (outside the web root); return (sha256, size)."""
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := file.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        target = stored_path(digest.hexdigest())
        if target.exists():
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    file.seek(0)
    return digest.hexdigest(), size
