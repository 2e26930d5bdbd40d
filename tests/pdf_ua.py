"""Reading what makes a PDF archival and accessible: its PDF/UA identification and its structure tree."""

import io
import re
from collections import Counter

from pypdf import PdfReader


def pdf_ua_facts(content):
    """What a checker (or a screen reader) reads from the PDF: identification, language, title, tags."""
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data().decode() if "/Metadata" in catalog else ""
    tags = Counter()
    header_cells_with_ids = 0
    cells_pointing_at_headers = 0

    def walk(element):
        nonlocal header_cells_with_ids, cells_pointing_at_headers
        element = element.get_object()
        if not hasattr(element, "get"):
            return
        kind = element.get("/S")
        if kind:
            tags[str(kind)[1:]] += 1
            if kind == "/TH" and "/ID" in element:
                header_cells_with_ids += 1
            attributes = element.get("/A")
            if kind == "/TD" and attributes is not None and attributes.get_object().get("/Headers"):
                cells_pointing_at_headers += 1
        kids = element.get("/K")
        if kids is None:
            return
        kids = kids.get_object()
        for kid in kids if isinstance(kids, list) else [kids]:
            if not isinstance(kid, int):
                walk(kid)

    root = catalog.get("/StructTreeRoot")
    if root is not None:
        walk(root)
    part = re.search(r'pdfuaid:part="(\d)"', xmp) or re.search(r"<pdfuaid:part>(\d)</pdfuaid:part>", xmp)
    return {
        "pdfua_part": part.group(1) if part else None,
        "lang": str(catalog.get("/Lang", "")),
        "marked": bool(catalog.get("/MarkInfo", {}).get("/Marked")),
        "display_doc_title": bool(catalog.get("/ViewerPreferences", {}).get("/DisplayDocTitle")),
        "title": reader.metadata.title if reader.metadata else None,
        "xmp_title": re.search(r"<dc:title>.*?<rdf:li[^>]*>(.*?)</rdf:li>", xmp, re.S).group(1)
        if "<dc:title>" in xmp
        else None,
        "has_structure_tree": root is not None,
        "tags": tags,
        "header_cells_with_ids": header_cells_with_ids,
        "cells_pointing_at_headers": cells_pointing_at_headers,
    }
