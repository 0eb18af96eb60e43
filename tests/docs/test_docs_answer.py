"""Answers from a collection with the real default model: the right passages go in, packed to
the context budget, the answer's sources point to the right file and page, and a question
the documents do not cover is answered with that, not an invention."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.docs.prompt import sources_of
from app.engine.types import SamplingParams
from app.services.doc_answers import NOTHING_FOUND
from app.services.documents import Documents
from app.services.models import LoadedModel

GREEDY = SamplingParams(temperature=0.0, max_tokens=32, seed=1)


@pytest.mark.slow
def test_an_answer_rests_on_the_right_file_and_page(
    documents: Documents, library: Path, loaded_model: LoadedModel
) -> None:
    documents.add("Ops", [library])
    answer = documents.answer(loaded_model, "Ops", "How many pallets does the Harbin warehouse "
                              "hold?", GREEDY)
    text = answer.read_all()

    assert answer.passages[0].source == "report.pdf, page 2"
    assert "4,200" in text  # greedy decoding reads the number off the passage
    (first, how), *_ = answer.sources
    assert (first.file_name, first.page, first.number) == ("report.pdf", 2, 1)
    assert how in ("cited", "matched")
    assert 0 < answer.stats.generated_tokens <= GREEDY.max_tokens
    assert answer.stats.prompt_tokens == answer.prompt_tokens


def test_a_question_the_documents_do_not_cover_is_not_answered_by_the_model(
    documents: Documents, library: Path, loaded_model: LoadedModel
) -> None:
    documents.add("Ops", [library])
    answer = documents.answer(loaded_model, "Ops", "What is the capital of Peru?", GREEDY)
    assert answer.read_all() == NOTHING_FOUND.format(name="Ops")
    assert not answer.found and answer.sources == ()
    assert answer.stats.generated_tokens == 0


def test_passages_are_packed_whole_into_the_context_budget(
    documents: Documents, tmp_path: Path, loaded_model: LoadedModel
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        (folder / f"depot{i:02}.txt").write_text(
            f"Depot {i} stores spare tyres for the refrigerated trucks. " * 12, encoding="utf-8")
    documents.add("Depots", [folder])
    engine = loaded_model.engine
    roomy = documents.answer(loaded_model, "Depots", "Which depot stores spare tyres?",
                             SamplingParams(max_tokens=64))
    tight = documents.answer(loaded_model, "Depots", "Which depot stores spare tyres?",
                             SamplingParams(max_tokens=1024))  # half the window kept for it
    try:
        assert len(roomy.passages) == 8  # every candidate fits a roomy window
        assert 0 < len(tight.passages) < len(roomy.passages)
        assert tight.prompt_tokens <= engine.n_ctx - 1024
        assert [p.number for p in tight.passages] == list(range(1, len(tight.passages) + 1))
    finally:
        roomy.close()
        tight.close()


def test_sources_are_read_from_citations_and_from_restated_sentences() -> None:
    passages = ["The Harbin warehouse holds 4,200 pallets of frozen fish.",
                "The Dalian office hired eleven new drivers in September."]
    assert sources_of("Eleven drivers were hired [2]. See also [1, 2] and [7].", passages) == [
        (2, "cited"), (1, "cited")]
    assert sources_of("The Harbin warehouse holds 4,200 pallets.", passages) == [(1, "matched")]
    assert sources_of("I like trains.", passages) == []
