"""ShapLens: exact SHAP explanations for tabular models, in a desktop app and on the command line."""

__version__ = "0.1.0"
