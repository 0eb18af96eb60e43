"""The first-run welcome in the chat area: what the app is, that nothing leaves the machine,
which model is active and who signed it, and how to add a model. Dismissed once, for good."""

from __future__ import annotations

from app.gui.qt import (
    QEvent,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)


class WelcomePanel(QFrame):
    """Emits ``dismissed`` ("Got it") and ``models_requested`` (the model manager)."""

    dismissed = Signal()
    models_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self._model_state = "loading"  # loading | ready | failed
        self._model_name = ""
        self._signer = ""
        self._signed = True
        self.title_label = QLabel()
        self.title_label.setObjectName("welcomeTitle")
        self.about_label = QLabel()
        self.privacy_label = QLabel()
        self.model_label = QLabel()
        self.model_label.setObjectName("welcomeModel")
        self.add_label = QLabel()
        for label in (self.about_label, self.privacy_label, self.model_label, self.add_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.models_button = QPushButton()
        self.models_button.setObjectName("welcomeModelsButton")
        self.models_button.clicked.connect(self.models_requested)
        self.dismiss_button = QPushButton()
        self.dismiss_button.setObjectName("welcomeDismissButton")
        self.dismiss_button.clicked.connect(self.dismissed)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.models_button)
        buttons.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(8)
        for w in (self.title_label, self.about_label, self.privacy_label, self.model_label,
                  self.add_label):
            layout.addWidget(w)
        layout.addLayout(buttons)
        self.retranslate()

    def show_model_state(self, state: str, name: str = "", *, signer: str = "",
                         signed: bool = True) -> None:
        """The active model as the panel names it: loading, ready (with its signer) or failed."""
        self._model_state, self._model_name = state, name
        self._signer, self._signed = signer, signed
        self.retranslate()

    def retranslate(self) -> None:
        self.title_label.setText(self.tr("Welcome to Open-AutoGLM"))
        self.about_label.setText(self.tr(
            "A desktop assistant that runs a language model entirely on this computer: ask it "
            "to summarise, explain, draft or translate, and it answers here."))
        self.privacy_label.setText(self.tr(
            "Nothing leaves this machine: the model runs here, your conversations are kept in "
            "a local database, and no network connection is opened unless you set up sync "
            "or the API server."))
        name = self._model_name or self.tr("the default model")
        if self._model_state == "ready" and self._signed:
            model = self.tr("Active model: %1, signed by %2.").replace("%1", name).replace(
                "%2", self._signer or self.tr("an unknown key"))
        elif self._model_state == "ready":
            model = self.tr("Active model: %1, not signed (allowed by your settings).").replace(
                "%1", name)
        elif self._model_state == "failed":
            model = self.tr("No model is loaded: %1 could not be loaded. Choose another one in "
                            "the model manager.").replace("%1", name)
        else:
            model = self.tr("Loading %1 and checking its signature…").replace("%1", name)
        self.model_label.setText(model)
        self.add_label.setText(self.tr(
            "To add a model, drag its GGUF file (with its .manifest.json beside it) onto this "
            "window, or use Import in the model manager. Only models signed by a key you trust "
            "are loaded."))
        self.models_button.setText(self.tr("Open the model manager"))
        self.dismiss_button.setText(self.tr("Got it"))
        self.dismiss_button.setToolTip(self.tr("Hide this welcome; it does not come back"))
        self.setAccessibleName(self.tr("Welcome"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
