"""Small real files of each kind, built in memory."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def ooxml(main_type, part="word/document.xml", extra=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types><Override PartName="/{part}" ContentType="{main_type}"/></Types>',
        )
        archive.writestr(part, "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx():
    return ooxml(DOCX_MAIN)


def xlsx():
    return ooxml(XLSX_MAIN, part="xl/workbook.xml")


def zip_bomb():
    return ooxml(DOCX_MAIN, extra={"word/media/filler.bin": b"\x00" * (50 * 1024 * 1024)})


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
