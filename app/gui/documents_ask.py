"""Asking a collection from the Documents window: the answer streams in, then the passages it
rests on, each a link that opens its file."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.gui.qt import (
    QDesktopServices,
    QEvent,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.taskman import Worker

if TYPE_CHECKING:
    from app.gui.taskman import TaskManager
    from app.services.doc_answers import DocAnswer
    from app.services.documents import Documents
    from app.services.models import LoadedModel


class AnswerWorker(Worker):
    """Streams an answer from a collection; its result is the DocAnswer with its sources."""

    def __init__(self, docs: Documents, model: LoadedModel, collection: str,
                 question: str) -> None:
        super().__init__()
        self.docs = docs
        self.model = model
        self.collection = collection
        self.question = question

    def work(self) -> DocAnswer:
        from app.services.chat import sampling_from_settings

        params = sampling_from_settings(self.docs.ctx.settings)
        answer = self.docs.answer(self.model, self.collection, self.question, params, self.cancel)
        for piece in answer:
            self.token.emit(piece)
        return answer


class AskPanel(QWidget):
    """A question box and the answer, with its cited passages under it."""

    answer_done = Signal(object)  # the DocAnswer, or None when stopped or failed

    def __init__(self, docs: Documents, taskman: TaskManager,
                 collection: Callable[[], str | None],
                 model: Callable[[], LoadedModel | None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        super().__init__()
        self.docs = docs
        self.taskman = taskman
        self.collection = collection
        self.model = model or (lambda: None)
        self.on_error = on_error
        self.worker: AnswerWorker | None = None
        self.answer_text = ""
        self.question = QLineEdit()
        self.question.setObjectName("docsQuestion")
        self.question.returnPressed.connect(self.ask)
        self.ask_button = QPushButton()
        self.ask_button.setObjectName("docsAsk")
        self.ask_button.clicked.connect(self.ask)
        self.answer_view = QTextBrowser()
        self.answer_view.setObjectName("docsAnswer")
        self.answer_view.setOpenLinks(False)
        self.answer_view.anchorClicked.connect(self.open_source)
        row = QHBoxLayout()
        row.addWidget(self.question, 1)
        row.addWidget(self.ask_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.answer_view, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.ask_button.setText(self.tr("Ask"))
        self.question.setPlaceholderText(self.tr("Ask this collection a question…"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.cancel.set()

    def ask(self) -> None:
        """Answer the question from the chosen collection, citing its passages."""
        name, text, model = self.collection(), self.question.text().strip(), self.model()
        if name is None or not text or self.worker is not None:
            return
        if model is None:
            self.answer_view.setPlainText(self.tr("The model is still loading; ask again in a "
                                                  "moment."))
            return
        worker = AnswerWorker(self.docs, model, name, text)
        worker.token.connect(self._answer_piece)
        worker.finished.connect(self._answered)
        worker.failed.connect(self._answer_failed)
        self.worker = worker
        self.answer_text = ""
        self.answer_view.clear()
        self.ask_button.setEnabled(False)
        self.taskman.start(worker)

    def _answer_piece(self, piece: str) -> None:
        self.answer_text += piece
        self.answer_view.setPlainText(self.answer_text)

    def _answered(self, answer: DocAnswer | None) -> None:
        self.worker = None
        self.ask_button.setEnabled(True)
        if answer is not None:
            self.answer_view.setHtml(self.answer_html(answer))
        self.answer_done.emit(answer)

    def _answer_failed(self, message: str) -> None:
        error = self.worker.error if self.worker is not None else None
        self.worker = None
        self.ask_button.setEnabled(True)
        self.answer_view.setPlainText(message)
        if error is not None and self.on_error is not None:
            self.on_error(error)
        self.answer_done.emit(None)

    def answer_html(self, answer: DocAnswer) -> str:
        """The answer, then the passages it rests on (or was given), each a link to its
        file: shown as the chat shows an answer from documents."""
        from html import escape

        from app.gui.chat_collections import sources_html
        from app.services.doc_chat import sources_record

        text = f"<p>{escape(answer.text).replace(chr(10), '<br>')}</p>"
        return text + sources_html(sources_record(answer))

    def open_source(self, url: QUrl) -> None:
        """Open a cited file in the app the system has for it (PDF viewers that read
        ``#page=N`` open at the page)."""
        QDesktopServices.openUrl(url)
