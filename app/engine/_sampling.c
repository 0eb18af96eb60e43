/*
 * The decode loop's sampling step, without copying the whole vocabulary.
 *
 * llama.cpp's llama_sampler_sample() first copies every logit into a candidate
 * array (49,152 entries for the default model) and only then lets the chain cut
 * it down. When the chain begins by keeping the top n candidates anyway (a
 * top-k, or the exact penalty pre-cut in sampler.py), this does the same cut
 * straight from the logits: one pass that keeps the n largest in a small heap,
 * then the rest of the chain runs over those n, sorted, as the chain would
 * have seen them. The chosen token is the same.
 *
 * On a GPU the cut can be made in the model's graph instead (llama.cpp's backend
 * sampling with a top-k chain attached to the context): then only those
 * candidates and their logits come back, and sample_cut() runs the chain over
 * the top n of them, exactly as sample() would over the whole vocabulary.
 *
 * llama.cpp's functions are reached through addresses handed over once by
 * bind(), so that this file needs neither llama.h nor a link to libllama; the
 * two structs below mirror llama.h of the llama-cpp-python release pinned in
 * pyproject.toml.
 */
#define PY_SSIZE_T_CLEAN
#define Py_LIMITED_API 0x030B0000
#include <Python.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct {
    int32_t id;
    float logit;
    float p;
} token_data;

typedef struct {
    token_data *data;
    size_t size;
    int64_t selected;
    bool sorted;
} token_data_array;

typedef float *(*get_logits_ith_fn)(void *ctx, int32_t i);
typedef void (*sampler_apply_fn)(void *smpl, token_data_array *cur);
typedef void (*sampler_accept_fn)(void *smpl, int32_t token);
typedef int32_t *(*get_sampled_candidates_ith_fn)(void *ctx, int32_t i);
typedef uint32_t (*get_sampled_count_ith_fn)(void *ctx, int32_t i);

static get_logits_ith_fn get_logits_ith;
static sampler_apply_fn sampler_apply;
static sampler_accept_fn sampler_accept;
static get_logits_ith_fn get_sampled_logits_ith;
static get_sampled_candidates_ith_fn get_sampled_candidates_ith;
static get_sampled_count_ith_fn get_sampled_logits_count_ith;

/* Min-heap on logit: the root is the smallest of the n kept so far. */
static void sift_down(token_data *h, int n, int i)
{
    token_data x = h[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && h[c + 1].logit < h[c].logit)
            c++;
        if (h[c].logit >= x.logit)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static void offer(token_data *h, int n, int32_t id, float logit)
{
    h[0].id = id;
    h[0].logit = logit;
    sift_down(h, n, 0);
}

#define BLOCK 16

/* The n largest logits into out, sorted by logit, largest first; returns n. */
static int top_n(const float *logits, int n_vocab, int n, token_data *out)
{
    if (n > n_vocab)
        n = n_vocab;
    for (int i = 0; i < n; i++) {
        out[i].id = i;
        out[i].logit = logits[i];
        out[i].p = 0.0f;
    }
    for (int i = n / 2 - 1; i >= 0; i--)
        sift_down(out, n, i);
    int i = n;
    while (i + BLOCK <= n_vocab) {
        /* Most blocks hold nothing above the smallest kept logit: one vectorisable test. */
        float floor = out[0].logit;
        int hit = 0;
        for (int j = 0; j < BLOCK; j++)
            hit |= logits[i + j] > floor;
        if (hit) {
            for (int j = i; j < i + BLOCK; j++)
                if (logits[j] > out[0].logit)
                    offer(out, n, j, logits[j]);
        }
        i += BLOCK;
    }
    for (; i < n_vocab; i++)
        if (logits[i] > out[0].logit)
            offer(out, n, i, logits[i]);
    /* Heap sort: repeatedly move the smallest to the end. */
    for (int end = n - 1; end > 0; end--) {
        token_data t = out[0];
        out[0] = out[end];
        out[end] = t;
        sift_down(out, end, 0);
    }
    return n;
}

static void *as_pointer(PyObject *o)
{
    return o == Py_None ? NULL : PyLong_AsVoidPtr(o);
}

static PyObject *bind(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError,
                        "bind(get_logits_ith, sampler_apply, sampler_accept, get_sampled_logits_ith, "
                        "get_sampled_candidates_ith, get_sampled_logits_count_ith)");
        return NULL;
    }
    void *p[6];
    for (int i = 0; i < 6; i++)
        p[i] = as_pointer(args[i]);
    if (PyErr_Occurred())
        return NULL;
    if (!p[0] || !p[1] || !p[2]) {
        PyErr_SetString(PyExc_ValueError, "a llama.cpp function address is null");
        return NULL;
    }
    get_logits_ith = (get_logits_ith_fn)p[0];
    sampler_apply = (sampler_apply_fn)p[1];
    sampler_accept = (sampler_accept_fn)p[2];
    /* The backend sampling functions: null where this llama.cpp lacks them. */
    get_sampled_logits_ith = (get_logits_ith_fn)p[3];
    get_sampled_candidates_ith = (get_sampled_candidates_ith_fn)p[4];
    get_sampled_logits_count_ith = (get_sampled_count_ith_fn)p[5];
    Py_RETURN_NONE;
}

#define STACK_CANDIDATES 512

static PyObject *run_chain(void *chain, const float *logits, const int32_t *ids, long n, long n_keep);

/* sample(chain, n_vocab, n_keep, ctx, idx) -> token */
static PyObject *sample(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "sample(chain, n_vocab, n_keep, ctx, idx)");
        return NULL;
    }
    if (!sampler_apply) {
        PyErr_SetString(PyExc_RuntimeError, "bind() was not called");
        return NULL;
    }
    void *chain = as_pointer(args[0]);
    long n_vocab = PyLong_AsLong(args[1]);
    long n_keep = PyLong_AsLong(args[2]);
    void *ctx = as_pointer(args[3]);
    long idx = PyLong_AsLong(args[4]);
    if (PyErr_Occurred())
        return NULL;
    if (!chain || !ctx || n_vocab <= 0 || n_keep <= 0) {
        PyErr_SetString(PyExc_ValueError, "sample() needs a chain, a context and positive sizes");
        return NULL;
    }
    const float *logits = get_logits_ith(ctx, (int32_t)idx);
    if (!logits) {
        PyErr_SetString(PyExc_RuntimeError, "llama.cpp returned no logits for this position");
        return NULL;
    }
    return run_chain(chain, logits, NULL, n_vocab, n_keep);
}

/* The chain over the top n_keep of n logits (ids[i] is the token of logits[i], or i
 * where ids is NULL); the chosen token is accepted and returned. */
static PyObject *run_chain(void *chain, const float *logits, const int32_t *ids, long n, long n_keep)
{
    token_data stack[STACK_CANDIDATES];
    token_data *buf = n_keep <= STACK_CANDIDATES ? stack : malloc(sizeof(token_data) * (size_t)n_keep);
    if (!buf)
        return PyErr_NoMemory();
    token_data_array cur = {buf, (size_t)top_n(logits, (int)n, (int)n_keep, buf), -1, true};
    if (ids)
        for (size_t i = 0; i < cur.size; i++)
            buf[i].id = ids[buf[i].id];
    sampler_apply(chain, &cur);
    int32_t token = -1;
    if (cur.selected >= 0 && (size_t)cur.selected < cur.size)
        token = cur.data[cur.selected].id;
    if (buf != stack)
        free(buf);
    if (token < 0) {
        PyErr_SetString(PyExc_RuntimeError, "the sampler chain selected no token");
        return NULL;
    }
    sampler_accept(chain, token);
    return PyLong_FromLong(token);
}

/* sample_cut(chain, n_keep, ctx, idx) -> token: as sample(), over the candidates the
 * graph's top-k sent back for output idx. */
static PyObject *sample_cut(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "sample_cut(chain, n_keep, ctx, idx)");
        return NULL;
    }
    if (!sampler_apply || !get_sampled_logits_ith || !get_sampled_candidates_ith
        || !get_sampled_logits_count_ith) {
        PyErr_SetString(PyExc_RuntimeError, "this llama.cpp has no backend sampling");
        return NULL;
    }
    void *chain = as_pointer(args[0]);
    long n_keep = PyLong_AsLong(args[1]);
    void *ctx = as_pointer(args[2]);
    long idx = PyLong_AsLong(args[3]);
    if (PyErr_Occurred())
        return NULL;
    if (!chain || !ctx || n_keep <= 0) {
        PyErr_SetString(PyExc_ValueError, "sample_cut() needs a chain, a context and a positive size");
        return NULL;
    }
    const float *logits = get_sampled_logits_ith(ctx, (int32_t)idx);
    const int32_t *ids = get_sampled_candidates_ith(ctx, (int32_t)idx);
    uint32_t n = get_sampled_logits_count_ith(ctx, (int32_t)idx);
    if (!logits || !ids || n == 0) {
        PyErr_SetString(PyExc_RuntimeError, "llama.cpp sent back no candidates for this position");
        return NULL;
    }
    if ((long)n < n_keep) {
        PyErr_SetString(PyExc_RuntimeError, "the graph's cut kept fewer candidates than the chain needs");
        return NULL;
    }
    return run_chain(chain, logits, ids, (long)n, n_keep);
}

static PyMethodDef methods[] = {
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL,
     "bind(get_logits_ith, sampler_apply, sampler_accept, get_sampled_logits_ith, "
     "get_sampled_candidates_ith, get_sampled_logits_count_ith): llama.cpp's function "
     "addresses (the last three may be None)."},
    {"sample", (PyCFunction)(void (*)(void))sample, METH_FASTCALL,
     "sample(chain, n_vocab, n_keep, ctx, idx) -> token: the chain over the top n_keep logits."},
    {"sample_cut", (PyCFunction)(void (*)(void))sample_cut, METH_FASTCALL,
     "sample_cut(chain, n_keep, ctx, idx) -> token: the chain over the top n_keep of the "
     "candidates the graph's top-k sent back."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sampling",
    "The sampling step of the decode loop over a top-n cut of the logits.", -1, methods,
};

PyMODINIT_FUNC PyInit__sampling(void)
{
    return PyModule_Create(&module);
}
