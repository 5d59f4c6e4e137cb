"""File ▸ Compare with model… and File ▸ Compare with data…: two non-modal dialogs.

Each lives in its own module (dialogs_compare_models, dialogs_compare_data) on a shared base
(dialogs_compare_base); this module keeps the names callers import from one place.
"""

from app.ui.dialogs_compare_base import CompareDialog, fill_table, make_table
from app.ui.dialogs_compare_data import CompareDataDialog, open_compare_data
from app.ui.dialogs_compare_models import CompareModelsDialog, open_compare_models

__all__ = [
    "CompareDataDialog",
    "CompareDialog",
    "CompareModelsDialog",
    "fill_table",
    "make_table",
    "open_compare_data",
    "open_compare_models",
]
