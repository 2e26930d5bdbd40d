"""Charts for the printed report: matplotlib figures as SVG, embedded in the HTML as data: URIs.

The output is byte-for-byte the same for the same data (fixed hash salt, no date in the SVG), so
the PDF's checksum only changes when the figures do.
"""

import base64
import io

import matplotlib
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .formatting import format_number

RC = {
    "svg.hashsalt": "omstilling",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
ACTUAL_COLOUR = "#1f4e79"
TARGET_COLOUR = "#c55a11"


def indicator_chart_svg(section):
    """Actual values against the goal trajectory of one indicator, as SVG text."""
    with matplotlib.rc_context(RC):
        figure = indicator_figure(section)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def indicator_figure(section):
    """The chart as a matplotlib figure (call inside ``rc_context(RC)``).

    The value axis starts at 0, so a change of half a percent looks like one; both axes are named.
    """
    figure = Figure(figsize=(6.3, 2.6))
    # Bound to Agg directly instead of through pyplot: no global state, safe in a worker thread.
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if section.actuals:
        axes.plot(
            [item.year for item in section.actuals],
            [float(item.amount) for item in section.actuals],
            marker="o",
            color=ACTUAL_COLOUR,
            linewidth=2,
            label=_("Faktisk"),
        )
    if section.trajectory:
        axes.plot(
            [item.year for item in section.trajectory],
            [float(item.amount) for item in section.trajectory],
            marker="s",
            markersize=4,
            linestyle="--",
            color=TARGET_COLOUR,
            linewidth=1.5,
            label=_("Mål"),
        )
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: format_number(value)))
    axes.set_ylim(bottom=0, top=max(axes.get_ylim()[1], 1) * 1.05)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_xlabel(_("År"))
    axes.set_ylabel(section.unit or _("Antall"))
    axes.legend(frameon=False, loc="lower right")
    figure.tight_layout()
    return figure


def svg_data_uri(svg):
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
