"""Finding passages by meaning: vectors from a real GGUF model through the engine's
mean-pooling embedder, stored beside the passages in the encrypted store and ranked with
sqlite-vec, fused with the full-text ranking by reciprocal rank. The default model stands
in for an embedding model: its vectors are poor, but real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.docs.fusion import reciprocal_rank_fusion
from app.services.context import AppContext, open_context
from app.services.doc_meaning import load_embedding_model
from app.services.documents import Documents

PASSAGES = {
    "fleet.txt": "The company owns sixty refrigerated lorries that carry frozen fish to Harbin.",
    "weather.txt": "Heavy snow closed the mountain pass for three days in January.",
    "payroll.txt": "Salaries are paid on the last working day of every month.",
}
# Shares no word (nor any three letters in a row) with any passage: words alone find nothing.
BY_MEANING_ONLY = "vehicles"


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory, default_model_path: Path) -> Iterator:
    # One thread: on a busy machine llama.cpp's threads wait on each other more than they help.
    model = load_embedding_model(open_context(tmp_path_factory.mktemp("embed-data")),
                                 str(default_model_path), threads=1)
    yield model
    model.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "small"
    root.mkdir()
    for name, text in PASSAGES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_rrf_orders_known_rankings_by_summed_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "b", "d"]])
    # c (ranks 3 and 1) edges out b (2 and 2): 1/63 + 1/61 > 2/62.
    assert [item for item, _ in fused] == ["c", "b", "a", "d"]
    scores = dict(fused)
    assert scores["b"] == pytest.approx(2 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 63)


def test_rrf_breaks_a_tie_by_the_earlier_ranking_and_keeps_one_list_as_it_was() -> None:
    assert [i for i, _ in reciprocal_rank_fusion([["x", "y"], ["y", "x"]])] == ["x", "y"]
    assert [i for i, _ in reciprocal_rank_fusion([["p", "q", "r"], []])] == ["p", "q", "r"]


def test_a_passage_found_only_by_meaning_is_ranked_where_words_find_nothing(
        documents: Documents, embedder, folder: Path) -> None:
    documents.add("small", [folder])
    assert documents.search("small", BY_MEANING_ONLY) == []  # words alone: nothing

    documents.meaning.use(embedder.engine)
    assert documents.not_embedded("small") == 3
    assert documents.embed("small") == 3
    found = documents.search("small", BY_MEANING_ONLY)
    assert {p.file_name for p in found} == set(PASSAGES)
    assert all(p.distance is not None and 0 <= p.distance <= 2 for p in found)
    assert [p.distance for p in found] == sorted(p.distance for p in found)
    # A question the words answer: both rankings put fleet.txt first, so fusion does too.
    words = documents.search("small", "refrigerated lorries frozen fish")
    assert words[0].file_name == "fleet.txt" and words[0].distance is not None


def test_vectors_live_in_the_encrypted_store_and_go_with_their_passages(
        documents: Documents, embedder, folder: Path) -> None:
    from sqlalchemy import func, select

    from app.store.cipher import file_kind
    from app.store.schema import ChunkVector

    documents.meaning.use(embedder.engine)
    report = documents.add("small", [folder])
    assert report.embedded == 3 and report.embed_error is None
    assert file_kind(documents.store.path) == "encrypted"
    with documents.store.session(write=False) as s:
        blobs = s.scalars(select(ChunkVector.embedding)).all()
    assert len(blobs) == 3 and all(len(b) == 4 * embedder.engine.dimensions for b in blobs)
    documents.remove("small", ["payroll.txt"])
    with documents.store.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(ChunkVector)) == 2
    assert documents.add("small", [folder]).embedded == 1  # the file is back: one new vector


def test_a_collection_read_before_the_setting_is_embedded_on_demand_with_progress(
        ctx: AppContext, folder: Path, default_model_path: Path) -> None:
    from app.services.documents import open_documents

    ctx.settings.set("threads", 1)
    with open_documents(ctx) as docs:
        docs.add("old", [folder])
        assert docs.not_embedded("old") == 0  # no model: nothing is owed
        ctx.settings.set("embedding_model", str(default_model_path))
        assert docs.not_embedded("old") == 3
        steps: list[tuple[int, int]] = []
        assert docs.embed("old", progress=lambda done, total: steps.append((done, total))) == 3
        assert steps[0] == (0, 3) and steps[-1] == (3, 3)
        assert docs.not_embedded("old") == 0 and docs.embed("old") == 0
        assert len(docs.search("old", BY_MEANING_ONLY)) == 3


def test_an_embedding_model_that_is_not_there_is_reported_and_the_files_stay_read(
        documents: Documents, ctx: AppContext, folder: Path) -> None:
    ctx.settings.set("embedding_model", "no-such-model.gguf")
    report = documents.add("small", [folder])
    assert report.count("added") == 3
    assert report.embed_error is not None and "no-such-model.gguf" in report.embed_error


@pytest.mark.slow
def test_cli_embeds_an_old_collection_then_searches_by_meaning(
        documents: Documents, ctx: AppContext, folder: Path, default_model_path: Path) -> None:
    import json

    from test_docs_cli import autoglm

    documents.add("Old", [folder])  # read before the setting, in the user's database
    documents.close()
    ctx.settings.set("threads", 1)
    ctx.settings.set("embedding_model", str(default_model_path))
    embedded = autoglm("docs", "embed", "--collection", "Old")
    assert embedded.returncode == 0, embedded.stderr
    assert embedded.stdout == "Old: 3 passages embedded\n"
    found = json.loads(autoglm("docs", "search", "--json", "--collection", "Old",
                               BY_MEANING_ONLY).stdout)
    assert {p["file"] for p in found} == set(PASSAGES) and all(p["distance"] is not None
                                                              for p in found)


def test_the_documents_window_embeds_an_old_collection_in_the_background(
        qtbot, documents: Documents, embedder, folder: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("pytestqt", reason="the GUI tests need pytest-qt (make test installs it)")
    from app.gui.documents_dialog import DocumentsDialog
    from app.gui.taskman import TaskManager

    documents.add("small", [folder])  # read before any embedding model was set
    documents.meaning.use(embedder.engine)
    taskman = TaskManager()
    dialog = DocumentsDialog(documents, taskman)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.embed_button.isVisible() and dialog.embed_button.text() == "Index by meaning"
    with qtbot.waitSignal(dialog.embed_done, timeout=60_000) as done:
        dialog.embed_button.click()
        assert dialog.progress.isVisible() and not dialog.embed_button.isEnabled()
    assert done.args == [3]
    assert dialog.status.text() == "3 passages embedded: questions now find them by meaning too."
    assert documents.not_embedded("small") == 0
    taskman.shutdown()
