"""The app's look in one place: a calm light theme, a colour per temperature zone and per product category.

Colours live here, not in the views, so the cabinet grid, its later overlays and printouts agree on them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from designer.cabinets import TemperatureZone

WINDOW_BACKGROUND = QColor("#f3f5f8")
VIEW_BACKGROUND = QColor("#e9edf2")
CABINET_BODY = QColor("#ffffff")
CABINET_OUTLINE = QColor("#c3cad3")
TEXT = QColor("#1f2933")
MUTED_TEXT = QColor("#5f6b7a")
DISABLED_TEXT = QColor("#a3adb8")
EMPTY_SLOT_FILL = QColor("#f7f8fa")
EMPTY_SLOT_OUTLINE = QColor("#9aa5b1")
FILL_BAR_TRACK = QColor("#dde2e8")
FILL_BAR = QColor("#3d5a80")
PAR_MARK = QColor("#1f2933")
ACCENT = QColor("#2f6fb0")
DROP_ACCEPT = QColor("#2e9d52")
DROP_REFUSE = QColor("#d64541")


@dataclass(frozen=True, slots=True)
class ZoneColours:
    """A zone's banner: a pale fill, a strong accent and a dark text colour that reads on the fill."""

    fill: QColor
    accent: QColor
    text: QColor


_ZONE_COLOURS: dict[TemperatureZone, ZoneColours] = {
    TemperatureZone.AMBIENT: ZoneColours(QColor("#f8ead0"), QColor("#d98a1c"), QColor("#6b3f05")),
    TemperatureZone.REFRIGERATED: ZoneColours(QColor("#dbeaf8"), QColor("#2f78c4"), QColor("#133d66")),
    TemperatureZone.FROZEN: ZoneColours(QColor("#e6e3f8"), QColor("#6a5acd"), QColor("#2f2670")),
}


def zone_colours(zone: TemperatureZone) -> ZoneColours:
    return _ZONE_COLOURS[zone]


# A hue per category of the demo catalogue, chosen so categories that share a cabinet look different:
# warm hues for ambient snacks, cool ones for chilled drinks and food, pink and violet for frozen.
_CATEGORY_COLOURS: dict[str, str] = {
    "chips": "#f28e2b",
    "candy": "#e15759",
    "cookies": "#9c755f",
    "healthy snacks": "#59a14f",
    "crackers": "#edc948",
    "nuts": "#b6992d",
    "pastries": "#ff9da7",
    "soda": "#4e79a7",
    "water": "#a0cbe8",
    "juice": "#ffbe7d",
    "sports drinks": "#17becf",
    "energy drinks": "#b07aa1",
    "coffee": "#7f5539",
    "dairy": "#bab0ac",
    "sandwiches": "#8cd17d",
    "fresh food": "#499894",
    "ice cream": "#d37295",
    "frozen meals": "#6a5acd",
}
# Other categories (another operator's catalogue) get one of the same hues by a stable hash.
_FALLBACK_HUES = tuple(dict.fromkeys(_CATEGORY_COLOURS.values()))
UNKNOWN_CATEGORY = QColor("#9aa5b1")


def category_colour(category: str) -> QColor:
    """The same colour for a category in every session and on every machine (crc32, not the salted ``hash``)."""
    key = category.strip().casefold()
    if not key:
        return QColor(UNKNOWN_CATEGORY)
    known = _CATEGORY_COLOURS.get(key)
    if known is not None:
        return QColor(known)
    return QColor(_FALLBACK_HUES[zlib.crc32(key.encode("utf-8")) % len(_FALLBACK_HUES)])


def category_text(category: str) -> str:
    """``healthy snacks`` → ``Healthy snacks``: categories are stored in lower case, people read them capitalised."""
    return category[:1].upper() + category[1:]


def tint(colour: QColor, amount: float) -> QColor:
    """``colour`` mixed with white; ``amount`` 0 keeps it, 1 gives white. Used for slot backgrounds."""
    return QColor(
        round(colour.red() + (255 - colour.red()) * amount),
        round(colour.green() + (255 - colour.green()) * amount),
        round(colour.blue() + (255 - colour.blue()) * amount),
    )


def warning_line(warning: str) -> str:
    """A data-quality warning as a line on screen: marked ⚠ and starting with a capital, like a sentence."""
    return f"⚠ {warning[:1].upper()}{warning[1:]}"


_STYLE_SHEET = """
QMainWindow, QDialog { background: #f3f5f8; }
QLabel#deviceTitle { font-size: 17pt; font-weight: 600; color: #1f2933; }
QLabel#deviceDetails { color: #5f6b7a; }
QLabel#deviceCount { color: #5f6b7a; }
QLabel#dataQuality { color: #7a4b00; background: #fff4d6; border: 1px solid #f0d48a; border-radius: 4px;
                     padding: 3px 6px; }
QLineEdit { padding: 4px 6px; border: 1px solid #c3cad3; border-radius: 4px; background: #ffffff; }
QLineEdit:focus { border-color: #2f6fb0; }
QTableView { background: #ffffff; border: 1px solid #d5dbe2; gridline-color: #eef1f4;
             selection-background-color: #2f6fb0; selection-color: #ffffff; }
QHeaderView::section { background: #eef1f4; border: none; border-bottom: 1px solid #d5dbe2; padding: 4px 6px;
                       color: #3e4c5a; font-weight: 600; }
QTabWidget::pane { border: 1px solid #d5dbe2; background: #e9edf2; }
QTabBar::tab { padding: 6px 14px; background: #e3e8ee; border: 1px solid #d5dbe2; border-bottom: none;
               margin-right: 2px; color: #3e4c5a; }
QTabBar::tab:selected { background: #ffffff; color: #1f2933; font-weight: 600; }
QStatusBar { background: #eef1f4; color: #3e4c5a; }
QStatusBar QLabel { color: #3e4c5a; padding: 0 8px; }
"""


def apply_style(app: QApplication) -> None:
    """Fusion with a light palette looks the same on every desktop, so screenshots and support agree."""
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, WINDOW_BACKGROUND)
    palette.setColor(QPalette.ColorRole.WindowText, TEXT)
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f6f8fa"))
    palette.setColor(QPalette.ColorRole.Text, TEXT)
    palette.setColor(QPalette.ColorRole.Button, QColor("#eef1f4"))
    palette.setColor(QPalette.ColorRole.ButtonText, TEXT)
    palette.setColor(QPalette.ColorRole.Highlight, ACCENT)
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.ToolTipText, TEXT)
    disabled = QPalette.ColorGroup.Disabled  # setColor above set every group: a refused action must look it
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(disabled, role, DISABLED_TEXT)
    app.setPalette(palette)
    app.setStyleSheet(_STYLE_SHEET)
