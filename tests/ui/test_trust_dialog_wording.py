"""The trust question names the buttons the dialog really has (it said "answer Trust", and the
buttons were "Always trust this file", "Load once" and "Cancel")."""

from __future__ import annotations

import re

import joblib
import pytest
from PySide6.QtWidgets import QMessageBox
from sklearn.datasets import load_wine
from sklearn.tree import DecisionTreeClassifier

from app.core.base.errors import UntrustedPickleError
from app.core.data.model_io import load_model
from app.ui import dialogs


@pytest.fixture
def asked(monkeypatch) -> list[QMessageBox]:
    shown: list[QMessageBox] = []

    def fake_exec(box: QMessageBox) -> int:  # the user presses Cancel
        shown.append(box)
        box.button(QMessageBox.StandardButton.Cancel).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return shown


def test_the_question_names_only_buttons_the_dialog_has(qapp, tmp_path, asked) -> None:
    X, y = load_wine(return_X_y=True)
    path = tmp_path / "tree.joblib"
    joblib.dump(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y), path)
    with pytest.raises(UntrustedPickleError) as error:
        load_model(path)
    message = str(error.value)
    assert dialogs.ask_trust_pickle(None, path, message) == ""  # Cancel: nothing loaded
    (box,) = asked
    buttons = {b.text().replace("&", "") for b in box.buttons()}
    assert {"Load once", "Always trust this file", "Cancel"} <= buttons
    said = box.informativeText()
    assert message in said and "answer Trust" not in said
    # Every choice the text offers in the app is a button of this dialog.
    offered = re.search(r"in the app: choose (.+?);", message).group(1).split(" or ")
    assert offered and set(offered) <= buttons
