"""The API server's model shares the weights of a model the app has loaded, when it
is the same file and the GPU layers asked for match."""

from __future__ import annotations

from app.engine.types import SamplingParams
from app.services.context import AppContext
from app.services.models import LoadedModel
from app.services.serving import load_served_model

GREEDY = SamplingParams(temperature=0.0, max_tokens=4)


def test_the_same_file_is_served_with_the_loaded_weights(ctx: AppContext,
                                                         loaded_model: LoadedModel) -> None:
    served = load_served_model(ctx, slots=1, n_ctx=256, threads=1, share=loaded_model)
    try:
        assert served.engine.weights is loaded_model.engine.weights
        assert served.plan.n_gpu_layers == loaded_model.plan.n_gpu_layers
        assert "desktop app" in served.plan.reason
        assert served.engine.submit_completion("Hello", GREEDY).read_all()
    finally:
        served.close()
    assert loaded_model.engine.weights.alive  # the app's engine still holds them


def test_other_gpu_layers_load_a_copy_of_their_own(ctx: AppContext,
                                                   loaded_model: LoadedModel) -> None:
    other = loaded_model.engine.weights.n_gpu_layers + 1
    served = load_served_model(ctx, slots=1, n_ctx=256, threads=1, gpu_layers=other,
                               share=loaded_model)
    try:
        assert served.engine.weights is not loaded_model.engine.weights
    finally:
        served.close()
