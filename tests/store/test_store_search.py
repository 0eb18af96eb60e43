"""Search finds conversations by title or message text, in any language, and any text is safe to type."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.store import Store, open_store, search
from app.store.search import parse_query

CONVERSATIONS = {
    "Quarterly revenue review": ["What were the Q3 figures?", "Revenue rose 4% to ¥12.5m."],
    "模型量化": ["请解释一下模型的量化方法", "INT4 量化把权重压缩到四位。"],
    "Holiday plans": ["Book the train to 杭州", 'She said "AND OR NEAR(" is not a query'],
    "SQL notes": ["col:title -x ^start * (a OR b) 100% done_ok", "back\\slash and 'quotes'"],
}


@pytest.fixture(scope="module")
def search_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    db = tmp_path_factory.mktemp("search") / "autoglm.sqlite3"
    store = open_store(db)
    with store.repo() as repo:
        for title, texts in CONVERSATIONS.items():
            conv = repo.create_conversation(title)
            for i, text in enumerate(texts):
                repo.add_message(conv.id, "user" if i % 2 == 0 else "assistant", text)
        gone = repo.create_conversation("Deleted revenue chat")
        repo.add_message(gone.id, "user", "revenue revenue")
        repo.delete_conversation(gone.id)
    yield store
    store.close()


def titles(store: Store, query: str) -> set[str]:
    with store.repo(write=False) as repo:
        return {c.title for c in repo.list_conversations(limit=100, query=query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("revenue", {"Quarterly revenue review"}),  # title and text, found once
        ("REVENUE quarterly", {"Quarterly revenue review"}),
        ("figures", {"Quarterly revenue review"}),
        ("量化", {"模型量化"}),  # two Chinese characters: shorter than a trigram
        ("模型的量化", {"模型量化"}),
        ("权重 INT4", {"模型量化"}),
        ("杭州", {"Holiday plans"}),
        ('"train to"', {"Holiday plans"}),
        ("train revenue", set()),  # every word must appear in one place
        ("100%", {"SQL notes"}),
        ("done_ok", {"SQL notes"}),
        ("%", {"Quarterly revenue review", "SQL notes"}),
        ("_", {"SQL notes"}),
        ("   ", set(CONVERSATIONS)),  # blank: everything
    ],
)
def test_search_finds_titles_and_message_text(
    search_store: Store, query: str, expected: set[str]
) -> None:
    assert titles(search_store, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "AND",
        "OR NEAR(",
        "NEAR(a b, 2)",
        "*",
        "^start",
        "col:title",
        "title:revenue",
        "-x",
        "(a OR b)",
        "a AND",
        "\\",
        "'",
        "\x00",
        "\x00revenue",
        "🙂🙂🙂",
        "a" * 5000,
        '"unbalanced',
    ],
)
def test_fts_syntax_in_user_text_is_just_text(search_store: Store, query: str) -> None:
    found = titles(search_store, query)
    if query in ("AND", "OR NEAR(", "^start", "col:title", "(a OR b)"):
        assert found  # these literally appear in stored messages
    assert "Deleted revenue chat" not in found


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_any_search_string_is_safe(search_store: Store, query: str) -> None:
    titles(search_store, query)


def _expected(query: str) -> set[str]:
    """What the search must find, computed in Python: every term, case-insensitively,
    in the title or in one message."""
    terms = parse_query(query)
    words = [w.lower() for w in (*terms.indexed, *terms.short)]
    if not words:
        return set(CONVERSATIONS)
    return {
        title
        for title, texts in CONVERSATIONS.items()
        if all(w in title.lower() for w in words)
        or any(all(w in t.lower() for w in words) for t in texts)
    }


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(
            ["rev", "enue", "模型", "量化", "q3", "train", "4%", "to", "a", "xyz", "的量"]
        ),
        max_size=3,
    )
)
def test_search_agrees_with_a_plain_substring_match(search_store: Store, words: list[str]) -> None:
    query = " ".join(words)
    assert titles(search_store, query) == _expected(query)


def test_a_reopened_store_still_searches(tmp_path: Path) -> None:
    db = tmp_path / "autoglm.sqlite3"
    with open_store(db) as store, store.repo() as repo:
        conv = repo.create_conversation("draft")
        repo.add_message(conv.id, "user", "budget forecast")
        repo.rename_conversation(conv.id, "Forecast 2025")
    with open_store(db) as store:
        assert titles(store, "budget") == {"Forecast 2025"}
        assert titles(store, "2025") == {"Forecast 2025"}
        assert titles(store, "draft") == set()


def _ids(store: Store, query: str, limit: int, offset: int) -> list[str]:
    with store.repo(write=False) as repo:
        return [c.id for c in repo.list_conversations(limit=limit, offset=offset, query=query)]


@pytest.mark.parametrize("probe", [0, 200])
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.sampled_from(["revenue", "模型", "量化", "e", "to", "q3", "%"]), max_size=2)
)
def test_paging_one_by_one_gives_the_same_list(
    search_store: Store, monkeypatch: pytest.MonkeyPatch, probe: int, words: list[str]
) -> None:
    """Small pages are answered from the most recent conversations when they fill
    there, and by the index otherwise: both must give the same order."""
    monkeypatch.setattr(search, "PROBE_CONVERSATIONS", probe)
    query = " ".join(words)
    everything = _ids(search_store, query, 100, 0)
    one_by_one = [i for n in range(len(everything) + 1) for i in _ids(search_store, query, 1, n)]
    assert one_by_one == everything
