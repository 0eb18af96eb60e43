"""The prompt fits the window: whole messages only, the system prompt always, the newest
turns first; counted with the model's own template and tokenizer."""

from __future__ import annotations

import pytest

from app.engine.types import ChatMessage
from app.errors import ContextOverflow
from app.services.context_budget import (
    SUMMARY_HEADER,
    ContextBudget,
    Turn,
    fit_chat,
    head_messages,
)
from app.services.models import LoadedModel


def long_history(turns: int) -> list[Turn]:
    history = []
    for i in range(turns):
        history.append(Turn(f"u{i}", "user", f"Question {i}: " + "the figures for the region " * 20))
        history.append(Turn(f"a{i}", "assistant", f"Answer {i}: the region grew by {i} percent."))
    history.append(Turn("newest", "user", "What should we do next?"))
    return history


def test_the_newest_whole_turns_fit_and_one_more_would_not(loaded_model: LoadedModel) -> None:
    engine = loaded_model.engine
    budget = ContextBudget(engine, max_tokens=200)
    assert (budget.window, budget.limit) == (2048, 1848)
    head = head_messages("You are a careful analyst.", None)
    history = long_history(40)

    plan = budget.fit(head, history)
    assert plan is not None
    assert plan.messages[0] == head[0]  # the system prompt is never dropped
    sent = [ChatMessage(t.role, t.content) for t in history[plan.start :]]
    assert list(plan.messages[1:]) == sent  # whole messages, in order, up to the newest
    assert history[plan.start].role == "user"  # whole turns
    assert plan.tokens == engine.count_chat_tokens(plan.messages) <= budget.limit
    one_more = [*head, ChatMessage("user", history[plan.start - 2].content),
                ChatMessage("assistant", history[plan.start - 1].content), *sent]
    assert engine.count_chat_tokens(one_more) > budget.limit


def test_the_summary_goes_with_the_system_prompt_shown_as_such() -> None:
    (head,) = head_messages("Be brief.", "We discussed revenue.")
    assert head.role == "system"
    assert head.content == f"Be brief.\n\n{SUMMARY_HEADER}\nWe discussed revenue."
    assert head_messages(None, None) == []


def test_a_message_that_cannot_fit_says_why(loaded_model: LoadedModel) -> None:
    budget = ContextBudget(loaded_model.engine, max_tokens=512)
    with pytest.raises(ContextOverflow) as caught:
        budget.require_fit("Be brief.", "word " * 2000)
    message = str(caught.value)
    assert "too long for the model's context window" in message
    assert "1536 of the window's 2048" in message and "512 are kept for the reply" in message


def test_a_reply_budget_larger_than_the_window_keeps_half_for_the_prompt(
    loaded_model: LoadedModel,
) -> None:
    budget = ContextBudget(loaded_model.engine, max_tokens=100_000)
    assert budget.limit == 1024


def test_an_unsaved_chat_drops_its_oldest_turns(loaded_model: LoadedModel) -> None:
    history = [ChatMessage(t.role, t.content) for t in long_history(30)[:-1]]
    messages = fit_chat(loaded_model.engine, "Be brief.", history, "And now?", max_tokens=64)
    assert messages[0] == ChatMessage("system", "Be brief.")
    assert messages[-1] == ChatMessage("user", "And now?")
    assert messages[1].role == "user" and messages[1:-1] == history[-(len(messages) - 2) :]
    assert loaded_model.engine.count_chat_tokens(messages) <= 2048 - 64
