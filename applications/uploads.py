"""What an uploaded attachment really is, decided from its bytes rather than its name.

Only PDF, DOCX, XLSX, PNG and JPEG are accepted. DOCX and XLSX are zip files, so they are opened
(without writing anything to disk) to check that they are real Office Open XML documents of the kind
the name says, and refused when they would expand to far more than they weigh (a zip bomb). A zip's
directory states each member's size, but nothing forces the compressed data to agree: every member is
therefore inflated in memory, in chunks, and counted — never past the size its directory states, plus
one byte to catch the lie.
"""

import hashlib
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from omstilling.exceptions import ServiceError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXTENSIONS = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".docx": DOCX,
    ".xlsx": XLSX,
}
# The main part each Office document must declare in [Content_Types].xml.
OOXML_MAIN_PART = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100
ACCEPT = ",".join(EXTENSIONS)

# The fixed part of a zip local file header (APPNOTE 4.3.7): signature … file name length, extra length.
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int


def _megabytes(size):
    return number_format(size / (1024 * 1024), decimal_pos=1)


def _refuse_kind(name):
    return ServiceError(
        _(
            "«%(name)s» er ikke en fil vi kan ta imot. Last opp PDF, Word (DOCX), Excel (XLSX), "
            "PNG eller JPEG."
        )
        % {"name": name},
        field="file",
    )


def _refuse_bomb(name):
    return ServiceError(
        _("«%(name)s» pakker seg ut til unormalt mye data og blir ikke tatt imot.") % {"name": name},
        field="file",
    )


def _sniff(head):
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


class _MalformedZipError(Exception):
    pass


class _SizeLieError(Exception):
    pass


def _inflated_size(upload, entry):
    """How many bytes ``entry`` really holds, counted up to one byte past its stated size.

    Raises :class:`_SizeLieError` when the data holds more than the directory says, and
    :class:`_MalformedZipError` when it is not a plain (stored or deflated, unencrypted) member.
    """
    if entry.flag_bits & 0x1 or entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _MalformedZipError
    upload.seek(entry.header_offset)
    header = upload.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise _MalformedZipError
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_SIGNATURE:
        raise _MalformedZipError
    upload.seek(entry.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1])
    limit = entry.file_size + 1
    remaining = entry.compress_size
    if entry.compress_type == zipfile.ZIP_STORED:
        size = len(upload.read(min(remaining, limit)))
        if size > entry.file_size:
            raise _SizeLieError
        if size < entry.file_size:
            raise _MalformedZipError
        return size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    try:
        while remaining and not inflater.eof:
            data = upload.read(min(_CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            while data and not inflater.eof:
                size += len(inflater.decompress(data, limit - size))
                if size >= limit:
                    raise _SizeLieError
                data = inflater.unconsumed_tail
    except zlib.error:
        raise _MalformedZipError from None
    if not inflater.eof or size != entry.file_size:
        raise _MalformedZipError
    return size


def _check_ooxml(upload, expected, name):
    """The zip must be an Office document of the ``expected`` kind, and no bomb."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            compressed = upload.size or 1
            stated = sum(entry.file_size for entry in entries)
            if (
                len(entries) > ZIP_MAX_ENTRIES
                or stated > ZIP_MAX_UNCOMPRESSED
                or stated / compressed > ZIP_MAX_RATIO
            ):
                raise _refuse_bomb(name)
            # The stated sizes are within bounds; now make sure the data keeps to them.
            for entry in entries:
                _inflated_size(upload, entry)
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                raise _refuse_kind(name) from None
            if info.file_size > 1024 * 1024:
                raise _refuse_kind(name)
            content_types = archive.read(info)
    except _SizeLieError:
        raise _refuse_bomb(name) from None
    except (zipfile.BadZipFile, _MalformedZipError, NotImplementedError, EOFError, ValueError):
        raise _refuse_kind(name) from None
    if OOXML_MAIN_PART[expected] not in content_types:
        raise _refuse_kind(name)


def check_upload(upload):
    """Return what ``upload`` is, or raise :class:`ServiceError` saying why it is refused."""
    name = PurePath(upload.name or "").name
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ServiceError(
            _("«%(name)s» er %(size)s MB. Største tillatte filstørrelse er %(max)s MB.")
            % {"name": name, "size": _megabytes(upload.size), "max": _megabytes(limit)},
            field="file",
        )
    if upload.size == 0:
        raise ServiceError(_("«%(name)s» er tom.") % {"name": name}, field="file")
    expected = EXTENSIONS.get(PurePath(name).suffix.lower())
    upload.seek(0)
    sniffed = _sniff(upload.read(16))
    upload.seek(0)
    if expected is None or sniffed is None:
        raise _refuse_kind(name)
    if sniffed == "zip":
        if expected not in OOXML_MAIN_PART:
            raise _refuse_kind(name)
        _check_ooxml(upload, expected, name)
        upload.seek(0)
    elif sniffed != expected:
        raise _refuse_kind(name)
    return CheckedUpload(content_type=expected, size=upload.size)


def describe_upload(upload):
    """The checked facts of an upload, as the attachment models store them (refuses what
    ``check_upload`` refuses): its own file name, its real content type, its size and its SHA-256."""
    checked = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return {
        "original_name": PurePath(upload.name or "").name[:255],
        "content_type": checked.content_type,
        "size": checked.size,
        "sha256": digest.hexdigest(),
    }


def store_upload(attachment, upload, write):
    """Store ``upload`` as ``attachment.file`` (a random name outside the web root), then ``write()``
    the row; if writing fails, the stored file must not linger."""
    attachment.file.save(attachment.original_name, upload, save=False)
    try:
        write()
    except Exception:
        attachment.file.delete(save=False)
        raise
