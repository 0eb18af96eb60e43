"""Long-context mode: documents that fit the model's window (counted with its own
tokenizer) are given whole, put back together from their passages; documents that do not
fit are answered from passages, and the answer says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from docs_helpers import ENGLISH_NOTES

from app.engine.types import SamplingParams
from app.services.doc_answers import answer, document_texts, prepare_whole
from app.services.documents import Documents
from app.services.models import LoadedModel

# About 40 tokens a sentence: 150 of them are far more than a 2048-token window.
SENTENCE = ("Shipment {n} left the Ningbo depot on schedule with {n} crates of porcelain, "
            "checked twice by the night crew before the trucks were sealed.")
NEEDLE = "The spare key to the archive is kept under the blue flowerpot."


def long_text(sentences: int) -> str:
    lines = [SENTENCE.format(n=i) for i in range(sentences)]
    lines.insert(sentences // 2, NEEDLE)
    # Paragraphs of ten sentences: several passages, each overlapping the one before.
    return "\n\n".join(" ".join(lines[i:i + 10]) for i in range(0, len(lines), 10))


def test_a_whole_document_is_put_back_together_from_its_overlapping_passages(
        documents: Documents, tmp_path: Path) -> None:
    text = long_text(60)
    (tmp_path / "log.txt").write_text(text, encoding="utf-8")
    (tmp_path / "notes.md").write_text(ENGLISH_NOTES, encoding="utf-8")
    documents.add("Depot", [tmp_path / "log.txt", tmp_path / "notes.md"])
    assert [d.chunks > 2 for d in documents.documents("Depot") if d.name == "log.txt"] == [True]
    whole = {Path(p.path).name: p.text for p in document_texts(documents, "Depot")}
    assert " ".join(whole["log.txt"].split()) == " ".join(text.split())
    assert " ".join(whole["notes.md"].split()) == " ".join(ENGLISH_NOTES.split())


def test_documents_that_fit_the_window_are_given_whole(
        documents: Documents, library: Path, loaded_model: LoadedModel) -> None:
    documents.add("Ops", [library])
    engine = loaded_model.engine
    messages, given, tokens, note = prepare_whole(documents, engine, "Ops", "Who hired drivers?", 64)
    assert note is None and tokens <= engine.n_ctx - 64
    assert len(given) == len([d for d in documents.documents("Ops") if d.chunks])
    assert "[1] budget.xlsx" in messages[-1].content  # each document numbered for citing
    result = answer(documents, loaded_model, "Ops", "Who hired drivers?",
                    SamplingParams(max_tokens=64), whole=True)
    assert (result.mode, result.note) == ("whole", None)
    result.close()


def test_documents_too_long_for_the_window_fall_back_to_passages_and_say_so(
        documents: Documents, tmp_path: Path, loaded_model: LoadedModel) -> None:
    (tmp_path / "log.txt").write_text(long_text(150), encoding="utf-8")
    documents.add("Depot", [tmp_path / "log.txt"])
    engine = loaded_model.engine
    question = "Where is the spare key to the archive kept?"
    messages, given, tokens, note = prepare_whole(documents, engine, "Depot", question, 64)
    assert note is not None and "do not fit the model's window" in note
    assert tokens <= engine.n_ctx - 64 and 0 < len(given) < 20
    assert any(NEEDLE in p.text for p in given)  # the passages retrieval found instead
    result = answer(documents, loaded_model, "Depot", question, SamplingParams(max_tokens=64),
                    whole=True)
    assert result.mode == "passages" and result.note == note
    result.close()


@pytest.mark.slow
def test_ask_whole_from_the_cli_says_the_documents_were_read_whole(
        documents: Documents, tmp_path: Path) -> None:
    from test_docs_cli import autoglm

    (tmp_path / "notes.md").write_text(ENGLISH_NOTES, encoding="utf-8")
    documents.add("Falcon", [tmp_path / "notes.md"])
    documents.close()
    out = autoglm("ask", "--docs", "Falcon", "--whole", "--temperature", "0", "--max-tokens", "4",
                  "--threads", "1", "--no-history", "Where was the pilot?")
    assert out.returncode == 0, out.stderr
    assert "(Long-context mode: the documents were read whole.)" in out.stdout
    assert "[1] notes.md" in out.stdout
