"""Hostile files and text, built in memory."""

import io
import struct
import zipfile
import zlib

from pypdf import PdfReader

from tests.portal import files

# An x86-64 Linux executable's ELF header and a Windows PE's DOS stub: the first bytes are what counts.
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00" + bytes(200)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/soknader/').then(r=>r.text())</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)">'
    b"<script>alert(1)</script></svg>"
)

SCRIPT = "<script>alert('xss')</script>"
PASSWD_IMAGE = '<img src="file:///etc/passwd">'
REMOTE_IMAGE = '<img src="http://169.254.169.254/latest/meta-data/">'


def lying_zip_bomb(stated_size=1000, real_size=50 * 1024 * 1024):
    """A DOCX whose filler member inflates to ``real_size`` bytes while the zip says ``stated_size``.

    Both the local header and the central directory state the small size, and the CRC is the CRC of
    the first ``stated_size`` bytes: a reader that trusts the directory — ``ZipFile.open`` included,
    which stops at the stated size — sees a small, intact member.
    """
    member = "word/media/filler.bin"
    data = bytearray(files.ooxml(files.DOCX_MAIN, extra={member: b"\x00" * real_size}))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(member)
    crc = zlib.crc32(b"\x00" * stated_size)
    # Local file header: CRC at +14, uncompressed size at +22.
    struct.pack_into("<L", data, info.header_offset + 14, crc)
    struct.pack_into("<L", data, info.header_offset + 22, stated_size)
    # Its central directory record: CRC at +16, uncompressed size at +24, local header offset at +42.
    record = archive.start_dir
    while struct.unpack_from("<L", data, record + 42)[0] != info.header_offset:
        name, extra, comment = struct.unpack_from("<3H", data, record + 28)
        record += 46 + name + extra + comment
    struct.pack_into("<L", data, record + 16, crc)
    struct.pack_into("<L", data, record + 24, stated_size)
    return bytes(data)


def squeezed(text):
    """Text without white space or hyphenation: a table cell wraps and hyphenates where it likes."""
    return "".join(text.replace("\u2010", "").replace("\xad", "").split())


def pdf_text(content):
    return squeezed("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))
