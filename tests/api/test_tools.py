"""OpenAI function calling against a real `autoglm serve` on 127.0.0.1 with the default
model, read by OpenAI's client with strict response validation; and the parts below it
(the ChatML fallback's prompt, the call reader) on their own."""

from __future__ import annotations

import json
import re
from typing import Any

import openai
import pytest
from api_helpers import Served
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletion

from app.engine.chat_template import ChatTemplate
from app.engine.types import ChatMessage
from app.tools.calls import CallReader, read_calls
from app.tools.grammar import integer_range, schema_to_gbnf

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 30},
                           "unit": {"enum": ["celsius", "fahrenheit"]},
                           "days": {"type": "integer", "minimum": 1, "maximum": 7}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {"type": "function", "function": {"name": "get_time", "description": "The time now.",
                                         "parameters": {"type": "object", "properties": {}}}}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
FORCE_WEATHER = {"type": "function", "function": {"name": "get_weather"}}


@pytest.fixture
def strict(served: Served) -> openai.OpenAI:
    served.server.wait_idle()
    return openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0,
                         timeout=120, _strict_response_validation=True)


def _validates(args: dict[str, Any], schema: dict[str, Any]) -> None:
    """The checks the weather schema makes, by hand (no JSON schema validator is a
    dependency)."""
    props = schema["properties"]
    assert set(schema["required"]) <= set(args) <= set(props)
    assert isinstance(args["city"], str) and len(args["city"]) <= 30
    assert args["unit"] in props["unit"]["enum"]
    if "days" in args:
        assert isinstance(args["days"], int) and 1 <= args["days"] <= 7


FORCED: dict[str, Any] = {"model": "any", "messages": ASK, "tools": [TIME, WEATHER],
                          "tool_choice": FORCE_WEATHER, "temperature": 0, "max_tokens": 80}


@pytest.fixture(scope="module")
def forced(served: Served) -> ChatCompletion:
    """One greedy call of get_weather, made once for the tests that read it."""
    served.server.wait_idle()
    client = openai.OpenAI(base_url=served.url + "/v1", api_key=served.key, max_retries=0,
                           timeout=120, _strict_response_validation=True)
    return client.chat.completions.create(**FORCED)


def test_a_forced_call_has_arguments_that_validate_against_the_schema(
        forced: ChatCompletion) -> None:
    choice = forced.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls or []
    assert len(calls) == 1 and calls[0].type == "function"
    assert calls[0].id.startswith("call_")
    assert calls[0].function.name == "get_weather"
    _validates(json.loads(calls[0].function.arguments), WEATHER["function"]["parameters"])


def test_required_calls_one_of_the_tools_even_with_sampling(strict: openai.OpenAI) -> None:
    reply = strict.chat.completions.create(model="any", messages=ASK, tools=[WEATHER, TIME],
                                           tool_choice="required", temperature=1.0, seed=2,
                                           max_tokens=80, parallel_tool_calls=False)
    calls = reply.choices[0].message.tool_calls or []
    assert len(calls) == 1 and reply.choices[0].finish_reason == "tool_calls"
    args = json.loads(calls[0].function.arguments)
    if calls[0].function.name == "get_weather":
        _validates(args, WEATHER["function"]["parameters"])
    else:
        assert calls[0].function.name == "get_time" and isinstance(args, dict)


def test_a_second_turn_answers_from_the_tool_result(strict: openai.OpenAI,
                                                    forced: ChatCompletion) -> None:
    first = forced
    call = (first.choices[0].message.tool_calls or [])[0]
    history = [*ASK,
               {"role": "assistant", "content": None,
                "tool_calls": [{"id": call.id, "type": "function",
                                "function": {"name": call.function.name,
                                             "arguments": call.function.arguments}}]},
               {"role": "tool", "tool_call_id": call.id,
                "content": "Sunny, 21 degrees Celsius."}]
    second = strict.chat.completions.create(model="any", messages=history,  # type: ignore[arg-type]
                                            tools=[TIME, WEATHER], temperature=0, max_tokens=40)
    choice = second.choices[0]
    assert choice.finish_reason in {"stop", "length"} and not choice.message.tool_calls
    assert "21" in (choice.message.content or "") or "sunny" in (choice.message.content or "")
    assert second.usage is not None and first.usage is not None
    assert second.usage.prompt_tokens > first.usage.prompt_tokens  # the call and result went in


def test_streamed_call_deltas_reassemble_into_the_whole_call(strict: openai.OpenAI,
                                                             forced: ChatCompletion) -> None:
    whole = (forced.choices[0].message.tool_calls or [])[0]
    calls: dict[int, dict[str, str]] = {}
    finish, deltas = None, 0
    for chunk in strict.chat.completions.create(**FORCED, stream=True):
        for c in chunk.choices:
            finish = c.finish_reason or finish
            assert not c.delta.content
            for d in c.delta.tool_calls or []:
                deltas += 1
                call = calls.setdefault(d.index, {"id": "", "name": "", "arguments": ""})
                if d.id:
                    assert not call["id"], "the id comes once, with the name"
                    call["id"] = d.id
                    assert d.function is not None and d.type == "function"
                call["name"] += (d.function.name or "") if d.function else ""
                call["arguments"] += (d.function.arguments or "") if d.function else ""
    assert finish == "tool_calls" and deltas > 3
    assert list(calls) == [0] and calls[0]["id"].startswith("call_")
    # The same call as the whole reply's, though not always the same arguments: a slot
    # that reuses a cached prompt may round differently.
    assert calls[0]["name"] == whole.function.name == "get_weather"
    _validates(json.loads(calls[0]["arguments"]), WEATHER["function"]["parameters"])


def test_tool_choice_none_answers_in_words(strict: openai.OpenAI) -> None:
    reply = strict.chat.completions.create(model="any", messages=ASK, tools=[WEATHER],
                                           tool_choice="none", temperature=0, max_tokens=16)
    choice = reply.choices[0]
    assert choice.finish_reason in {"stop", "length"}
    assert not choice.message.tool_calls and (choice.message.content or "").strip()


def test_bad_tools_are_refused_with_400_naming_the_field(strict: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        strict.chat.completions.create(model="any", messages=ASK, tools=[WEATHER],
                                       tool_choice={"type": "function",
                                                    "function": {"name": "nope"}})
    assert err.value.param == "tool_choice" and "'nope'" in err.value.message
    with pytest.raises(openai.BadRequestError) as err:
        strict.chat.completions.create(model="any", messages=[
            *ASK, {"role": "tool", "content": "sunny"}])  # type: ignore[list-item]
    assert err.value.param == "messages.1.tool_call_id"


# -- below the server ---------------------------------------------------------------------

SMOL = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
        "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")


def test_a_template_without_tools_gets_the_documented_chatml_fallback() -> None:
    history = [{"role": "user", "content": "Weather in Oslo?"},
               {"role": "assistant", "content": None, "tool_calls": [
                   {"id": "call_1", "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}]},
               {"role": "tool", "tool_call_id": "call_1", "content": "rain"}]
    text = ChatTemplate(SMOL).render(history, tools=[WEATHER])
    system, user, assistant, result, _ = text.split("<|im_start|>")[1:]
    assert system.startswith("system\nYou can call these functions")
    assert json.dumps(WEATHER["function"]) in system
    assert '{"name": <the function\'s name>, "arguments": <an object' in system
    assert assistant == 'assistant\n{"name": "get_weather", "arguments": {"city": "Oslo"}}<|im_end|>\n'
    assert result == ("user\nget_weather returned:\nrain\nAnswer my question with this result, "
                      "in plain words.<|im_end|>\n")
    assert user == "user\nWeather in Oslo?<|im_end|>\n"
    plain = ChatTemplate(SMOL).render([ChatMessage("user", "hi")])
    assert "functions" not in plain


def test_a_template_with_a_tools_section_renders_the_tools_itself() -> None:
    own = ("{% if tools %}TOOLS:{% for t in tools %}{{ t.function.name }};{% endfor %}\n{% endif %}"
           "{% for m in messages %}[{{ m.role }}]{% if m.tool_calls %}"
           "{% for c in m.tool_calls %}<tool_call>{{ c.function.arguments | tojson }}</tool_call>"
           "{% endfor %}{% else %}{{ m.content }}{% endif %}\n{% endfor %}")
    template = ChatTemplate(own)
    assert template.supports_tools and template.tool_call_tags == ("<tool_call>\n", "\n</tool_call>")
    text = template.render([{"role": "user", "content": "hi"},
                            {"role": "assistant", "content": None, "tool_calls": [
                                {"id": "c", "type": "function",
                                 "function": {"name": "get_time", "arguments": "{}"}}]}],
                           tools=[TIME, WEATHER], add_generation_prompt=False)
    assert text == "TOOLS:get_time;get_weather;[user]hi[assistant]<tool_call>{}</tool_call>"


CALLS = st.lists(st.tuples(st.sampled_from(["get_weather", "get_time", "a.b-c_1"]),
                           st.dictionaries(st.text(max_size=5),
                                           st.one_of(st.integers(), st.text(max_size=8),
                                                     st.lists(st.booleans(), max_size=3)),
                                           max_size=3)),
                 min_size=1, max_size=3)


@given(CALLS, st.lists(st.integers(min_value=1, max_value=7), min_size=1), st.booleans())
def test_calls_read_the_same_whole_or_streamed_at_any_cuts(calls: list[tuple[str, dict[str, Any]]],
                                                           cuts: list[int], tagged: bool) -> None:
    tags = ("<tool_call>\n", "\n</tool_call>") if tagged else None
    parts = [json.dumps({"name": n, "arguments": a}, ensure_ascii=False) for n, a in calls]
    if tags:
        parts = [tags[0] + p + tags[1] for p in parts]
    text = " " + "\n".join(parts)
    whole = read_calls(text, tags)
    assert whole.complete
    assert [(n, json.loads(a)) for n, a in whole.calls] == calls
    reader, names, args, i = CallReader(tags), {}, {}, 0
    for cut in cuts * (len(text) // sum(cuts) + 1):
        for d in reader.feed(text[i:i + cut]):
            if d.name is not None:
                names[d.index] = d.name
            args[d.index] = args.get(d.index, "") + d.arguments
        i += cut
    assert [(names[k], args[k]) for k in sorted(names)] == whole.calls


def test_with_auto_the_first_character_decides_between_a_call_and_words() -> None:
    from app.api.wire import ChatChoice
    from app.services.serving import ToolPlan

    auto = ToolPlan([WEATHER], grammar="", forced=False, parallel=True, tags=None)
    words = ChatChoice(auto)
    assert words.feed("  ") is None  # white space alone says nothing yet
    assert words.feed("It is") == {"content": "  It is"}
    assert words.end("stop") == (None, "stop")
    call = ChatChoice(auto)
    text = ' {"name": "get_weather", "arguments": {"city": "Oslo", "unit": "celsius"}}'
    deltas = [d for d in (call.feed(text[:20]), call.feed(text[20:])) if d]
    first = deltas[0]["tool_calls"][0]
    assert first["function"]["name"] == "get_weather" and first["id"].startswith("call_")
    assert "".join(d["tool_calls"][0]["function"]["arguments"] for d in deltas) == (
        '{"city": "Oslo", "unit": "celsius"}')
    assert call.end("stop") == (None, "tool_calls")
    message, reason = ChatChoice(auto).message(text, "stop")
    assert reason == "tool_calls" and message["content"] is None
    assert message["tool_calls"][0]["function"]["name"] == "get_weather"
    message, reason = ChatChoice(auto).message("Sunny.", "stop")
    assert (message["content"], reason) == ("Sunny.", "stop")


def _as_regex(gbnf: str) -> re.Pattern[str]:
    """The integer rules integer_range writes (quoted digits, classes, groups) as a regex."""
    return re.compile(re.sub(r'"([^"]*)"', lambda m: re.escape(m.group(1)), gbnf).replace(" ", ""))


BOUND = st.one_of(st.none(), st.integers(-1500, 1500), st.integers(-10**7, 10**7))


@given(BOUND, BOUND, st.lists(st.integers(-3 * 10**7, 3 * 10**7), max_size=20))
def test_integer_bounds_of_a_schema_become_grammar_that_takes_exactly_those(
        lo: int | None, hi: int | None, samples: list[int]) -> None:
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    rule = _as_regex(integer_range(lo, hi))
    edges = [x for b in (lo, hi) if b is not None for x in (b - 1, b, b + 1)]
    for n in [*samples, *edges, -1, 0, 1, 9, 10]:
        inside = (lo is None or n >= lo) and (hi is None or n <= hi)
        assert bool(rule.fullmatch(str(n))) == inside, (lo, hi, n)
    assert not any(rule.fullmatch(s) for s in ("-0", "01", "-007"))


def test_a_schema_with_bounded_integers_gets_those_bounds_in_its_grammar() -> None:
    grammar = schema_to_gbnf(WEATHER["function"]["parameters"])  # type: ignore[arg-type]
    assert "x-int-0 ::= ([1-7])" in grammar
    assert "@@" not in grammar
    with pytest.raises(ValueError, match="no integer lies between 5 and 3"):
        schema_to_gbnf({"type": "integer", "minimum": 5, "maximum": 3})
