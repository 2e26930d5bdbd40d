"""What an uploaded attachment really is, decided from its bytes rather than its name.

Only PDF, DOCX, XLSX, PNG and JPEG are accepted. DOCX and XLSX are zip files, so they are opened
(without extracting anything) to check that they are real Office Open XML documents of the kind the
name says, and refused when they would expand to far more than they weigh (a zip bomb).
"""

import zipfile
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


def _check_ooxml(upload, expected, name):
    """The zip must be an Office document of the ``expected`` kind, and no bomb."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            compressed = sum(entry.compress_size for entry in entries) or 1
            uncompressed = sum(entry.file_size for entry in entries)
            if (
                len(entries) > ZIP_MAX_ENTRIES
                or uncompressed > ZIP_MAX_UNCOMPRESSED
                or uncompressed / compressed > ZIP_MAX_RATIO
            ):
                raise ServiceError(
                    _("«%(name)s» pakker seg ut til unormalt mye data og blir ikke tatt imot.")
                    % {"name": name},
                    field="file",
                )
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                raise _refuse_kind(name) from None
            if info.file_size > 1024 * 1024:
                raise _refuse_kind(name)
            content_types = archive.read(info)
    except zipfile.BadZipFile:
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
