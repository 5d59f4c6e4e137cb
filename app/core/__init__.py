"""Everything that is not Qt: loading, alignment, SHAP, cache, metrics, cohorts.

Nothing below this package may import PySide6, pyqtgraph or superqt; tests/core/test_no_qt.py
checks it in a fresh interpreter.
"""
