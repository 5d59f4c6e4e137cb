"""`python -m app` is the same as the `shaplens` command."""

import os
import sys

# `python -m` puts the current folder first on the import path, so a numpy.py or xgboost.py lying
# there would run the moment the app imports that name. The app package itself is imported
# already (its modules are found through its own folder), so the current folder can go.
_here = os.path.abspath(os.getcwd())
sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != _here]

from app.cli import main  # noqa: E402  (after the import path is made safe)

sys.exit(main())
