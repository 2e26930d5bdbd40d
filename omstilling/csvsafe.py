"""CSV cells a spreadsheet shows as text, never evaluates (CSV injection)."""

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text typed by people is written as text: a leading ' stops a spreadsheet from evaluating it.

    Only strings are touched; numbers (a negative deviation included) pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
