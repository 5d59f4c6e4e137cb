"""One adapter per model framework, all behind the ModelAdapter interface in base.py."""
