"""Remembered trust for pickle/joblib model files, keyed by the SHA-256 of the file's bytes.

Trust is remembered only when the user asks ("always trust this file"): a small JSON list of
hashes under the user's config folder. Keying by content means an edited or swapped file with
the same name is not trusted.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from platformdirs import user_config_dir

from app.core.base.atomic import write_text_atomic
from app.core.base.hashing import file_sha256
from app.core.base.input_gate import TRUST_STORE, InputError, read_input
from app.core.base.schemas import TrustDoc
from app.core.base.structured import SchemaError, decode_json

log = logging.getLogger(__name__)

# Tests and portable installs point the store elsewhere with this environment variable.
STORE_ENV = "SHAPLENS_TRUST_STORE"


def store_path() -> Path:
    override = os.environ.get(STORE_ENV)
    if override:
        return Path(override)
    return Path(user_config_dir("shaplens", appauthor=False)) / "trusted_models.json"


def _read_store() -> dict[str, str]:
    """The remembered hashes; a missing, special (FIFO), oversized or damaged store trusts
    nothing, and is never waited on: it goes through the input gate and a bounded schema."""
    try:
        data = read_input(store_path(), TRUST_STORE)
        return dict(decode_json(data, TrustDoc).trusted)
    except (InputError, SchemaError) as error:
        log.info("trust store not used: %s", error)
        return {}


def _write_store(trusted: dict[str, str]) -> None:
    text = json.dumps({"trusted": trusted}, indent=1)
    write_text_atomic(store_path(), text, parents=True)


def is_trusted(path: str | Path) -> bool:
    """True when the user earlier chose to always trust a file with exactly these bytes."""
    try:
        return file_sha256(path) in _read_store()
    except (OSError, InputError):
        return False


def remember_trust(path: str | Path) -> str:
    """Record the file's hash as trusted; returns the hash."""
    digest = file_sha256(path)
    trusted = _read_store()
    trusted[digest] = Path(path).name
    _write_store(trusted)
    return digest


def forget_trust(path: str | Path) -> None:
    digest = file_sha256(path)
    trusted = _read_store()
    if trusted.pop(digest, None) is not None:
        _write_store(trusted)
