"""Small widget builders that several windows share."""

from __future__ import annotations

from app.gui.qt import QAbstractItemView, QHeaderView, QLabel, QTableWidget


def row_table(n_columns: int, object_name: str) -> QTableWidget:
    """A read-only table whose rows are picked one at a time, columns sized to fit."""
    table = QTableWidget(0, n_columns)
    table.setObjectName(object_name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def wrapped_label(object_name: str = "") -> QLabel:
    """An empty label whose text wraps at the window's width (its text is set where the
    window is translated); ``object_name`` lets tests and style sheets find it."""
    label = QLabel()
    if object_name:
        label.setObjectName(object_name)
    label.setWordWrap(True)
    return label
