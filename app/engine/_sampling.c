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
 * steps() is the decode loop itself: sample a token, hand it to llama_decode, and
 * again, several tokens per call with the GIL released, so that a token costs the
 * model's time and the chain's, not a round of the interpreter. Each call ends
 * after a few tokens or milliseconds, with the last token's decode already queued:
 * the caller turns the tokens into text while the device works on the next one.
 *
 * llama.cpp's functions are reached through addresses handed over once by
 * bind(), so that this file needs neither llama.h nor a link to libllama; the
 * three structs below mirror llama.h of the llama-cpp-python release pinned in
 * pyproject.toml.
 */
#define PY_SSIZE_T_CLEAN
#define Py_LIMITED_API 0x030B0000
#include <Python.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#endif

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

typedef struct {
    int32_t n_tokens;
    int32_t *token;
    float *embd;
    int32_t *pos;
    int32_t *n_seq_id;
    int32_t **seq_id;
    int8_t *logits;
} batch;

typedef float *(*get_logits_ith_fn)(void *ctx, int32_t i);
typedef void (*sampler_apply_fn)(void *smpl, token_data_array *cur);
typedef void (*sampler_accept_fn)(void *smpl, int32_t token);
typedef int32_t *(*get_sampled_candidates_ith_fn)(void *ctx, int32_t i);
typedef uint32_t (*get_sampled_count_ith_fn)(void *ctx, int32_t i);
typedef int32_t (*decode_fn)(void *ctx, batch b);
typedef bool (*vocab_is_eog_fn)(const void *vocab, int32_t token);
typedef int32_t (*sampler_sample_fn)(void *smpl, void *ctx, int32_t idx);

static get_logits_ith_fn get_logits_ith;
static sampler_apply_fn sampler_apply;
static sampler_accept_fn sampler_accept;
static get_logits_ith_fn get_sampled_logits_ith;
static get_sampled_candidates_ith_fn get_sampled_candidates_ith;
static get_sampled_count_ith_fn get_sampled_logits_count_ith;
static decode_fn decode;
static vocab_is_eog_fn vocab_is_eog;
static sampler_sample_fn sampler_sample;

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

#define N_BOUND 9

static PyObject *bind(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != N_BOUND) {
        PyErr_SetString(PyExc_TypeError,
                        "bind(get_logits_ith, sampler_apply, sampler_accept, get_sampled_logits_ith, "
                        "get_sampled_candidates_ith, get_sampled_logits_count_ith, decode, "
                        "vocab_is_eog, sampler_sample)");
        return NULL;
    }
    void *p[N_BOUND];
    for (int i = 0; i < N_BOUND; i++)
        p[i] = as_pointer(args[i]);
    if (PyErr_Occurred())
        return NULL;
    if (!p[0] || !p[1] || !p[2] || !p[6] || !p[7] || !p[8]) {
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
    decode = (decode_fn)p[6];
    vocab_is_eog = (vocab_is_eog_fn)p[7];
    sampler_sample = (sampler_sample_fn)p[8];
    Py_RETURN_NONE;
}

#define STACK_CANDIDATES 512

/* How a token is picked: llama.cpp's own llama_sampler_sample over every logit, the
 * chain over the top n_keep logits, or over the top n_keep of the graph's cut. */
enum { MODE_CHAIN = 0, MODE_TOP = 1, MODE_CUT = 2 };

/* Why no token was picked (pick() returns one of these instead of a token). */
enum { NO_SELECTION = -1, NO_LOGITS = -2, NO_CANDIDATES = -3, CUT_TOO_SMALL = -4, NO_MEMORY = -5 };

static const char *pick_error(int32_t code)
{
    switch (code) {
    case NO_LOGITS: return "llama.cpp returned no logits for this position";
    case NO_CANDIDATES: return "llama.cpp sent back no candidates for this position";
    case CUT_TOO_SMALL: return "the graph's cut kept fewer candidates than the chain needs";
    case NO_MEMORY: return "out of memory for the sampler's candidates";
    default: return "the sampler chain selected no token";
    }
}

/* The chain over the top n_keep of n logits (ids[i] is the token of logits[i], or i
 * where ids is NULL); the chosen token is accepted and returned. Needs no GIL. */
static int32_t run_chain(void *chain, const float *logits, const int32_t *ids, long n, long n_keep)
{
    token_data stack[STACK_CANDIDATES];
    token_data *buf = n_keep <= STACK_CANDIDATES ? stack : malloc(sizeof(token_data) * (size_t)n_keep);
    if (!buf)
        return NO_MEMORY;
    token_data_array cur = {buf, (size_t)top_n(logits, (int)n, (int)n_keep, buf), -1, true};
    if (ids)
        for (size_t i = 0; i < cur.size; i++)
            buf[i].id = ids[buf[i].id];
    sampler_apply(chain, &cur);
    int32_t token = NO_SELECTION;
    if (cur.selected >= 0 && (size_t)cur.selected < cur.size)
        token = cur.data[cur.selected].id;
    if (buf != stack)
        free(buf);
    if (token >= 0)
        sampler_accept(chain, token);
    return token;
}

/* One token for output idx, or a negative code. Needs no GIL. */
static int32_t pick(int mode, void *chain, void *ctx, int32_t idx, long n_vocab, long n_keep)
{
    if (mode == MODE_CHAIN) {
        int32_t token = sampler_sample(chain, ctx, idx);
        return token >= 0 ? token : NO_SELECTION;
    }
    if (mode == MODE_TOP) {
        const float *logits = get_logits_ith(ctx, idx);
        return logits ? run_chain(chain, logits, NULL, n_vocab, n_keep) : NO_LOGITS;
    }
    const float *logits = get_sampled_logits_ith(ctx, idx);
    const int32_t *ids = get_sampled_candidates_ith(ctx, idx);
    uint32_t n = get_sampled_logits_count_ith(ctx, idx);
    if (!logits || !ids || n == 0)
        return NO_CANDIDATES;
    if ((long)n < n_keep)
        return CUT_TOO_SMALL;
    return run_chain(chain, logits, ids, (long)n, n_keep);
}

static bool bound(int mode)
{
    if (!sampler_apply) {
        PyErr_SetString(PyExc_RuntimeError, "bind() was not called");
        return false;
    }
    if (mode == MODE_CUT && (!get_sampled_logits_ith || !get_sampled_candidates_ith
                             || !get_sampled_logits_count_ith)) {
        PyErr_SetString(PyExc_RuntimeError, "this llama.cpp has no backend sampling");
        return false;
    }
    return true;
}

static PyObject *picked(int32_t token)
{
    if (token < 0) {
        PyErr_SetString(PyExc_RuntimeError, pick_error(token));
        return NULL;
    }
    return PyLong_FromLong(token);
}

/* sample(chain, n_vocab, n_keep, ctx, idx) -> token */
static PyObject *sample(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "sample(chain, n_vocab, n_keep, ctx, idx)");
        return NULL;
    }
    if (!bound(MODE_TOP))
        return NULL;
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
    return picked(pick(MODE_TOP, chain, ctx, (int32_t)idx, n_vocab, n_keep));
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
    if (!bound(MODE_CUT))
        return NULL;
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
    return picked(pick(MODE_CUT, chain, ctx, (int32_t)idx, 0, n_keep));
}

static int64_t now_us(void)
{
#ifdef _WIN32
    LARGE_INTEGER f, t;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&t);
    return (int64_t)(t.QuadPart * 1000000 / f.QuadPart);
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
#endif
}

/* How a steps() call ended. */
enum { STEPS_MORE = 0, STEPS_END = 1, STEPS_DECODE_FAILED = 2, STEPS_SAMPLE_FAILED = 3 };

/* steps(mode, chain, n_vocab, n_keep, ctx, vocab, n_max, n_left, budget_us)
 *   -> (tokens, n_decoded, status, code)
 *
 * Samples up to n_max tokens, each handed to llama_decode before the next is sampled,
 * except a token that is the reply's last (the n_left-th from now); stops early at an
 * end-of-generation token (not returned), or once budget_us have passed. The GIL is
 * released meanwhile. tokens: those sampled; n_decoded: how many of them (from the
 * first) are in the context now; status: STEPS_MORE, STEPS_END (end of generation),
 * STEPS_DECODE_FAILED (code: llama_decode's) or STEPS_SAMPLE_FAILED (code: pick's). */
static PyObject *steps(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError,
                        "steps(mode, chain, n_vocab, n_keep, ctx, vocab, n_max, n_left, budget_us)");
        return NULL;
    }
    long mode = PyLong_AsLong(args[0]);
    void *chain = as_pointer(args[1]);
    long n_vocab = PyLong_AsLong(args[2]);
    long n_keep = PyLong_AsLong(args[3]);
    void *ctx = as_pointer(args[4]);
    void *vocab = as_pointer(args[5]);
    long n_max = PyLong_AsLong(args[6]);
    long n_left = PyLong_AsLong(args[7]);
    long long budget = PyLong_AsLongLong(args[8]);
    if (PyErr_Occurred())
        return NULL;
    if (mode < MODE_CHAIN || mode > MODE_CUT) {
        PyErr_SetString(PyExc_ValueError, "steps(): unknown mode");
        return NULL;
    }
    if (!bound((int)mode))
        return NULL;
    if (!chain || !ctx || !vocab || n_max <= 0 || n_left <= 0
        || (mode != MODE_CHAIN && n_keep <= 0) || (mode == MODE_TOP && n_vocab <= 0)) {
        PyErr_SetString(PyExc_ValueError,
                        "steps() needs a chain, a context, a vocabulary and positive sizes");
        return NULL;
    }
    if (n_max > n_left)
        n_max = n_left;
    int32_t *tokens = malloc(sizeof(int32_t) * (size_t)n_max);
    if (!tokens)
        return PyErr_NoMemory();
    long n = 0, n_decoded = 0;
    int status = STEPS_MORE;
    int32_t code = 0;
    Py_BEGIN_ALLOW_THREADS
    int64_t deadline = now_us() + budget;
    int32_t one;
    batch b = {1, &one, NULL, NULL, NULL, NULL, NULL};
    while (n < n_max) {
        int32_t token = pick((int)mode, chain, ctx, -1, n_vocab, n_keep);
        if (token < 0) {
            status = STEPS_SAMPLE_FAILED;
            code = token;
            break;
        }
        if (vocab_is_eog(vocab, token)) {
            status = STEPS_END;
            break;
        }
        tokens[n++] = token;
        if (n >= n_left)
            break;  /* the reply's last token: nothing will read what follows it */
        one = token;
        code = decode(ctx, b);
        if (code != 0) {
            status = STEPS_DECODE_FAILED;
            break;
        }
        n_decoded = n;
        if (now_us() >= deadline)
            break;
    }
    Py_END_ALLOW_THREADS
    PyObject *list = PyList_New(n);
    if (list)
        for (long i = 0; i < n; i++) {
            PyObject *t = PyLong_FromLong(tokens[i]);
            if (!t) {
                Py_CLEAR(list);
                break;
            }
            PyList_SetItem(list, i, t);
        }
    free(tokens);
    if (!list)
        return NULL;
    return Py_BuildValue("(Nlii)", list, n_decoded, status, (int)code);
}

static PyMethodDef methods[] = {
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL,
     "bind(get_logits_ith, sampler_apply, sampler_accept, get_sampled_logits_ith, "
     "get_sampled_candidates_ith, get_sampled_logits_count_ith, decode, vocab_is_eog, "
     "sampler_sample): llama.cpp's function addresses (the backend sampling ones may be None)."},
    {"sample", (PyCFunction)(void (*)(void))sample, METH_FASTCALL,
     "sample(chain, n_vocab, n_keep, ctx, idx) -> token: the chain over the top n_keep logits."},
    {"sample_cut", (PyCFunction)(void (*)(void))sample_cut, METH_FASTCALL,
     "sample_cut(chain, n_keep, ctx, idx) -> token: the chain over the top n_keep of the "
     "candidates the graph's top-k sent back."},
    {"steps", (PyCFunction)(void (*)(void))steps, METH_FASTCALL,
     "steps(mode, chain, n_vocab, n_keep, ctx, vocab, n_max, n_left, budget_us) -> "
     "(tokens, n_decoded, status, code): the decode loop for up to n_max tokens."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sampling",
    "The decode loop's sampling step over a top-n cut of the logits, and the loop itself.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__sampling(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m && (PyModule_AddIntConstant(m, "MODE_CHAIN", MODE_CHAIN) || PyModule_AddIntConstant(m, "MODE_TOP", MODE_TOP)
              || PyModule_AddIntConstant(m, "MODE_CUT", MODE_CUT)
              || PyModule_AddIntConstant(m, "STEPS_MORE", STEPS_MORE)
              || PyModule_AddIntConstant(m, "STEPS_END", STEPS_END)
              || PyModule_AddIntConstant(m, "STEPS_DECODE_FAILED", STEPS_DECODE_FAILED)
              || PyModule_AddIntConstant(m, "STEPS_SAMPLE_FAILED", STEPS_SAMPLE_FAILED))) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
