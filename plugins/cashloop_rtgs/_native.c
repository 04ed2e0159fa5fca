/* cashloop_rtgs._native: the compiled fast path of the rtgs engine.
 *
 * Two functions mirror the pure-Python reference step for step, so results are identical
 * (tests hold them to that over random scenarios, policies and seeds):
 *   arrivals(...)  -- engine/arrivals.py: the xorshift64* stream and the per-tick Poisson
 *                     payments, packed as int64 rows;
 *   simulate(...)  -- engine/simulation.py: the tick loop without LSM or observer.
 * Payment trees stay Python: a compiled tree's ``decide(payment, snapshot)`` is called back
 * with read-only views carrying the attributes of Payment and AgentSnapshot. Anything this file cannot do exactly (int64
 * overflow of a balance or cost) makes it return None and the caller uses the reference path.
 * Floating-point steps use the same libm calls in the same order as the Python code; the
 * build turns off FMA contraction so products and sums round as Python's do.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MULTIPLIER 0x2545F4914F6CDD1DULL
static const double TWO_POW_NEG53 = 1.0 / 9007199254740992.0;
static const double TWO_PI = 2.0 * 3.14159265358979323846;

enum { KIND_UNIFORM = 0, KIND_EXPONENTIAL = 1, KIND_NORMAL = 2, KIND_LOGNORMAL = 3 };
enum { LIQ, DELAY, DEADLINE, EOD, OVERDRAFT, SPLIT, NCOMP };

/* ---------------------------------------------------------------- growable int64 buffer */
typedef struct {
    int64_t *v;
    Py_ssize_t n, cap;
} Vec;

static int vec_push(Vec *q, int64_t x) {
    if (q->n == q->cap) {
        Py_ssize_t cap = q->cap ? q->cap * 2 : 32;
        int64_t *grown = PyMem_Realloc(q->v, (size_t)cap * sizeof(int64_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        q->v = grown;
        q->cap = cap;
    }
    q->v[q->n++] = x;
    return 0;
}

static void vec_free(Vec *q) {
    PyMem_Free(q->v);
    q->v = NULL;
    q->n = q->cap = 0;
}

/* ---------------------------------------------------------------- the random stream */
static inline uint64_t next_u64(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * MULTIPLIER;
}

static inline double unit(uint64_t raw) { return (double)(raw >> 11) * TWO_POW_NEG53; }

/* distributions._to_cents: max(1, round-half-away(x)) saturating at INT64_MAX */
static inline int64_t to_cents(double x) {
    if (!(x >= 1.0)) return 1;
    if (x >= 9.223372036854775807e18) return INT64_MAX;
    double whole = trunc(x);
    int64_t r = (int64_t)whole;
    return (x - whole >= 0.5) ? r + 1 : r;
}

typedef struct {
    int64_t sender;
    double limit; /* exp(-rate), or < 0 for rate 0 */
    int kind;
    int64_t ulo, uspan; /* Uniform */
    double shift, scale; /* Normal / LogNormal (log space) / Exponential (scale = lambda) */
    Py_ssize_t n_receivers;
    int64_t *receivers;
    double *weights; /* NULL: uniform receiver */
    double total_weight;
    int64_t dlo, dspan, priority;
} Plan;

static int64_t draw_amount(const Plan *p, uint64_t *state) {
    if (p->kind == KIND_UNIFORM) return p->ulo + (int64_t)(next_u64(state) % (uint64_t)p->uspan);
    if (p->kind == KIND_EXPONENTIAL) {
        double u = unit(next_u64(state));
        return to_cents(-(u > 0.0 ? log(u) : -INFINITY) / p->scale);
    }
    double u1 = unit(next_u64(state));
    double u2 = unit(next_u64(state));
    double z = sqrt(-2.0 * (u1 > 0.0 ? log(u1) : -INFINITY)) * cos(TWO_PI * u2);
    double x = p->shift + p->scale * z;
    return to_cents(p->kind == KIND_LOGNORMAL ? exp(x) : x);
}

static void free_plans(Plan *plans, Py_ssize_t n) {
    if (plans == NULL) return;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyMem_Free(plans[i].receivers);
        PyMem_Free(plans[i].weights);
    }
    PyMem_Free(plans);
}

/* plan tuple: (sender, limit, kind, ulo, uspan, shift, scale, receivers, weights|None,
 *              total_weight, deadline_lo, deadline_span, priority) */
static int parse_plan(PyObject *t, Plan *p) {
    PyObject *receivers, *weights;
    if (!PyArg_ParseTuple(t, "LdiLLddOOdLLL", &p->sender, &p->limit, &p->kind, &p->ulo,
                          &p->uspan, &p->shift, &p->scale, &receivers, &weights,
                          &p->total_weight, &p->dlo, &p->dspan, &p->priority))
        return -1;
    if (!PyTuple_Check(receivers)) {
        PyErr_SetString(PyExc_TypeError, "plan receivers must be a tuple");
        return -1;
    }
    p->n_receivers = PyTuple_GET_SIZE(receivers);
    if (p->n_receivers < 1 || p->dspan < 1 || (p->kind == KIND_UNIFORM && p->uspan < 1)) {
        PyErr_SetString(PyExc_ValueError, "plan outside the native engine's domain");
        return -1;
    }
    p->receivers = PyMem_Calloc((size_t)p->n_receivers, sizeof(int64_t));
    if (p->receivers == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < p->n_receivers; i++) {
        p->receivers[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(receivers, i));
        if (p->receivers[i] == -1 && PyErr_Occurred()) return -1;
    }
    if (weights != Py_None) {
        if (!PyTuple_Check(weights) || PyTuple_GET_SIZE(weights) != p->n_receivers) {
            PyErr_SetString(PyExc_ValueError, "plan weights must match receivers");
            return -1;
        }
        p->weights = PyMem_Calloc((size_t)p->n_receivers, sizeof(double));
        if (p->weights == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < p->n_receivers; i++) {
            p->weights[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(weights, i));
            if (p->weights[i] == -1.0 && PyErr_Occurred()) return -1;
        }
    }
    return 0;
}

/* arrivals(seed, total_ticks, ticks_per_day, cap_at_eod, next_day, plans) -> bytes
 * Per tick: the row count, then (sender, receiver, amount, deadline, priority) per row. */
static PyObject *native_arrivals(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long seed;
    long long total, tpd, next_day;
    int cap_at_eod;
    PyObject *plan_seq;
    if (!PyArg_ParseTuple(args, "KLLpLO!", &seed, &total, &tpd, &cap_at_eod, &next_day,
                          &PyTuple_Type, &plan_seq))
        return NULL;
    Py_ssize_t np = PyTuple_GET_SIZE(plan_seq);
    Plan *plans = PyMem_Calloc((size_t)(np ? np : 1), sizeof(Plan));
    if (plans == NULL) return PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < np; k++) {
        if (parse_plan(PyTuple_GET_ITEM(plan_seq, k), &plans[k]) < 0) {
            free_plans(plans, np);
            return NULL;
        }
    }
    Vec out = {0};
    uint64_t state = seed ? seed : 1;
    for (long long t = 0; t < total; t++) {
        Py_ssize_t count_at = out.n;
        if (vec_push(&out, 0) < 0) goto fail;
        long long latest = cap_at_eod ? (t / tpd + 1) * tpd - next_day : total;
        if (latest > total) latest = total;
        long long earliest = t + 1;
        for (Py_ssize_t k = 0; k < np; k++) {
            const Plan *p = &plans[k];
            if (p->limit < 0.0) continue;
            long long count = 0;
            double prod = 1.0;
            for (;;) { /* Knuth: multiply uniforms until the product reaches exp(-rate) */
                prod *= unit(next_u64(&state));
                if (prod <= p->limit) break;
                count++;
            }
            for (long long c = 0; c < count; c++) {
                int64_t amount = draw_amount(p, &state);
                uint64_t raw_receiver = next_u64(&state);
                int64_t receiver;
                if (p->n_receivers == 1) {
                    receiver = p->receivers[0];
                } else if (p->weights == NULL) {
                    receiver = p->receivers[raw_receiver % (uint64_t)p->n_receivers];
                } else {
                    double target = unit(raw_receiver) * p->total_weight;
                    receiver = p->receivers[p->n_receivers - 1];
                    for (Py_ssize_t r = 0; r < p->n_receivers; r++) {
                        target -= p->weights[r];
                        if (target <= 0.0) {
                            receiver = p->receivers[r];
                            break;
                        }
                    }
                }
                long long deadline = t + p->dlo + (long long)(next_u64(&state) % (uint64_t)p->dspan);
                if (deadline > latest) deadline = latest;
                if (deadline < earliest) deadline = earliest;
                if (vec_push(&out, p->sender) < 0 || vec_push(&out, receiver) < 0 ||
                    vec_push(&out, amount) < 0 || vec_push(&out, deadline) < 0 ||
                    vec_push(&out, p->priority) < 0)
                    goto fail;
                out.v[count_at]++;
            }
        }
    }
    free_plans(plans, np);
    PyObject *result = PyBytes_FromStringAndSize((const char *)out.v, out.n * (Py_ssize_t)sizeof(int64_t));
    vec_free(&out);
    return result;
fail:
    free_plans(plans, np);
    vec_free(&out);
    return NULL;
}

/* ---------------------------------------------------------------- views handed to trees */
/* What a compiled tree reads of a payment (``p``) and of its bank (``s``): the attributes of
 * engine/payment.py's Payment and policy/context.py's AgentSnapshot, computed the same way. */
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    long long sender, receiver, amount, remaining, arrival, deadline, priority;
    long long overdue_since, settled_at;
} PaymentView;

static PyObject *payment_parent(PyObject *self, void *closure) {
    (void)self;
    (void)closure;
    Py_RETURN_NONE; /* trees only see Q1 payments, never split children */
}

static PyMemberDef payment_members[] = {
    {"sender", T_LONGLONG, offsetof(PaymentView, sender), READONLY, NULL},
    {"receiver", T_LONGLONG, offsetof(PaymentView, receiver), READONLY, NULL},
    {"amount", T_LONGLONG, offsetof(PaymentView, amount), READONLY, NULL},
    {"remaining", T_LONGLONG, offsetof(PaymentView, remaining), READONLY, NULL},
    {"arrival", T_LONGLONG, offsetof(PaymentView, arrival), READONLY, NULL},
    {"deadline", T_LONGLONG, offsetof(PaymentView, deadline), READONLY, NULL},
    {"priority", T_LONGLONG, offsetof(PaymentView, priority), READONLY, NULL},
    {"overdue_since", T_LONGLONG, offsetof(PaymentView, overdue_since), READONLY, NULL},
    {"settled_at", T_LONGLONG, offsetof(PaymentView, settled_at), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef payment_getset[] = {
    {"parent", payment_parent, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject PaymentViewType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cashloop_rtgs._native.PaymentView",
    .tp_basicsize = sizeof(PaymentView),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A queued payment as a payment tree sees it (read-only).",
    .tp_members = payment_members,
    .tp_getset = payment_getset,
};

typedef struct {
    PyObject_HEAD
    double tick, balance, unsecured_cap, credit_used, credit_headroom, effective_liquidity;
    double available_liquidity, q1_size, q1_value, day, tick_in_day, ticks_per_day;
    double ticks_remaining, day_progress, eod_rush;
} SnapshotView;

#define SNAP(name) {#name, T_DOUBLE, offsetof(SnapshotView, name), READONLY, NULL}
static PyMemberDef snapshot_members[] = {
    SNAP(tick), SNAP(balance), SNAP(unsecured_cap), SNAP(credit_used), SNAP(credit_headroom),
    SNAP(effective_liquidity), SNAP(available_liquidity), SNAP(q1_size), SNAP(q1_value),
    SNAP(day), SNAP(tick_in_day), SNAP(ticks_per_day), SNAP(ticks_remaining),
    SNAP(day_progress), SNAP(eod_rush), {NULL, 0, 0, 0, NULL},
};
#undef SNAP

static PyTypeObject SnapshotViewType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cashloop_rtgs._native.SnapshotView",
    .tp_basicsize = sizeof(SnapshotView),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One bank's state at the policy step of a tick, as a tree sees it (read-only).",
    .tp_members = snapshot_members,
};

/* ---------------------------------------------------------------- the tick loop */
typedef struct {
    int64_t sender, receiver, amount, remaining, arrival, deadline, priority;
    int64_t overdue_since, settled_at, parent;
    PaymentView *obj; /* what a tree sees of it, created on first use */
} Pay;

typedef struct {
    Py_ssize_t n;
    long long tpd, total;
    int deferred, overdue_only;
    double eod_rush_threshold;
    int64_t *caps, *opening;
    int64_t delay_scaled, overdue_mult, overdraft_scaled, liquidity_scaled;
    int64_t deadline_penalty, eod_penalty, split_friction;
    long release, hold, drop;
    PyObject *error_cls;
} Sim;

typedef struct {
    Pay *pays;
    Py_ssize_t npays, cap;
    int64_t *balance, *credits, *alloc;
    __int128 *costs; /* n * NCOMP */
    Vec *q1, q2, waiting, pending, kept, arrived;
    int overflow;
} Run;

#define DELAY_DIVISOR ((__int128)1000 * 1000000)
#define OVERDRAFT_DIVISOR ((__int128)10000 * 1000)
#define LIQUIDITY_DIVISOR ((__int128)10000 * 1000000)

static int64_t new_pay(Run *r, int64_t s, int64_t recv, int64_t amount, int64_t arrival,
                       int64_t deadline, int64_t priority, int64_t parent) {
    if (r->npays == r->cap) {
        Py_ssize_t cap = r->cap ? r->cap * 2 : 128;
        Pay *grown = PyMem_Realloc(r->pays, (size_t)cap * sizeof(Pay));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        r->pays = grown;
        r->cap = cap;
    }
    Pay *p = &r->pays[r->npays];
    p->sender = s;
    p->receiver = recv;
    p->amount = p->remaining = amount;
    p->arrival = arrival;
    p->deadline = deadline;
    p->priority = priority;
    p->overdue_since = p->settled_at = -1;
    p->parent = parent;
    p->obj = NULL;
    return r->npays++;
}

static inline void add_checked(Run *r, int64_t *x, int64_t d) {
    if (__builtin_add_overflow(*x, d, x)) r->overflow = 1;
}

static inline void sub_checked(Run *r, int64_t *x, int64_t d) {
    if (__builtin_sub_overflow(*x, d, x)) r->overflow = 1;
}

/* simulation.try_settle */
static int try_settle(const Sim *w, Run *r, int64_t idx, long long t) {
    Pay *p = &r->pays[idx];
    int64_t s = p->sender, amount = p->remaining, bal = r->balance[s];
    __int128 headroom = (__int128)w->caps[s] - (bal < 0 ? -(__int128)bal : 0);
    __int128 room = (bal > 0 ? bal : 0) + (headroom > 0 ? headroom : 0);
    if (amount > room) return 0;
    sub_checked(r, &r->balance[s], amount);
    if (w->deferred)
        add_checked(r, &r->credits[p->receiver], amount);
    else
        add_checked(r, &r->balance[p->receiver], amount);
    p->remaining = 0;
    p->settled_at = t;
    if (p->parent >= 0) {
        Pay *parent = &r->pays[p->parent];
        parent->remaining -= amount;
        if (parent->remaining == 0) parent->settled_at = t;
    }
    return 1;
}

static int set_overdue(Run *r, int64_t idx, long long t) {
    Pay *p = &r->pays[idx];
    p->overdue_since = t;
    if (p->obj != NULL) p->obj->overdue_since = t;
    return 0;
}

static PyObject *payment_object(Run *r, int64_t idx) {
    Pay *p = &r->pays[idx];
    if (p->obj == NULL) {
        PaymentView *v = PyObject_New(PaymentView, &PaymentViewType);
        if (v == NULL) return NULL;
        v->sender = p->sender;
        v->receiver = p->receiver;
        v->amount = p->amount;
        v->remaining = p->remaining;
        v->arrival = p->arrival;
        v->deadline = p->deadline;
        v->priority = p->priority;
        v->overdue_since = p->overdue_since;
        v->settled_at = p->settled_at;
        p->obj = v;
    }
    return (PyObject *)p->obj;
}

/* policy/context.py's AgentSnapshot, field for field */
static PyObject *snapshot_object(const Sim *w, Run *r, Py_ssize_t a, long long t) {
    const Vec *queue = &r->q1[a];
    __int128 value = 0;
    for (Py_ssize_t i = 0; i < queue->n; i++) value += r->pays[queue->v[i]].remaining;
    int64_t balance = r->balance[a], cap = w->caps[a];
    __int128 used = balance < 0 ? -(__int128)balance : 0;
    __int128 headroom = (__int128)cap - used;
    __int128 effective = (__int128)balance + headroom;
    __int128 available = (balance > 0 ? balance : 0) + (headroom > 0 ? headroom : 0);
    if (value > INT64_MAX || headroom > INT64_MAX || headroom < INT64_MIN ||
        effective > INT64_MAX || effective < INT64_MIN || available > INT64_MAX) {
        r->overflow = 1; /* the run is redone on the reference path; values here are moot */
        value = headroom = effective = available = 0;
    }
    SnapshotView *v = PyObject_New(SnapshotView, &SnapshotViewType);
    if (v == NULL) return NULL;
    long long tid = t % w->tpd;
    double progress = (double)tid / (double)w->tpd;
    v->tick = (double)t;
    v->balance = (double)balance;
    v->unsecured_cap = (double)cap;
    v->credit_used = (double)(int64_t)used;
    v->credit_headroom = (double)(int64_t)headroom;
    v->effective_liquidity = (double)(int64_t)effective;
    v->available_liquidity = (double)(int64_t)available;
    v->q1_size = (double)queue->n;
    v->q1_value = (double)(int64_t)value;
    v->day = (double)(t / w->tpd);
    v->tick_in_day = (double)tid;
    v->ticks_per_day = (double)w->tpd;
    v->ticks_remaining = (double)(w->tpd - tid - 1 > 0 ? w->tpd - tid - 1 : 0);
    v->day_progress = progress;
    v->eod_rush = progress >= w->eod_rush_threshold ? 1.0 : 0.0;
    return (PyObject *)v;
}

/* Tag a tree failure with where it happened; the Python wrapper words the error. */
static void tag_failure(Py_ssize_t a, long long t) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value != NULL) {
        PyObject *where = Py_BuildValue("(nL)", a, t);
        if (where != NULL) {
            PyObject_SetAttrString(value, "cashloop_where", where);
            Py_DECREF(where);
        }
        PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
}

/* Step 3 for one agent whose decision is not a constant Release/Hold. */
static int decide_queue(const Sim *w, Run *r, Py_ssize_t a, long long t, long action,
                        PyObject *decide) {
    Vec *queue = &r->q1[a];
    PyObject *snapshot = NULL;
    if (decide != Py_None) {
        snapshot = snapshot_object(w, r, a, t);
        if (snapshot == NULL) return -1;
    }
    r->kept.n = 0;
    for (Py_ssize_t i = 0; i < queue->n; i++) {
        int64_t idx = queue->v[i];
        long code = action;
        if (decide != Py_None) {
            PyObject *obj = payment_object(r, idx);
            if (obj == NULL) goto fail;
            PyObject *res = PyObject_CallFunctionObjArgs(decide, obj, snapshot, NULL);
            if (res == NULL) goto fail;
            code = PyLong_AsLong(res);
            Py_DECREF(res);
            if (code == -1 && PyErr_Occurred()) goto fail;
        }
        if (code == w->release) {
            if (vec_push(&r->pending, idx) < 0) goto fail;
        } else if (code == w->hold) {
            if (vec_push(&r->kept, idx) < 0) goto fail;
        } else if (code == w->drop) {
            if (r->pays[idx].overdue_since < 0 && set_overdue(r, idx, t) < 0) goto fail;
        } else {
            int64_t parts = -(int64_t)code;
            Pay parent = r->pays[idx];
            if (parts > parent.amount) {
                PyObject *exc, *msg = PyUnicode_FromFormat(
                    "Split into %lld parts of a %lld-cent payment would create zero-cent "
                    "payments; use fewer parts",
                    (long long)parts, (long long)parent.amount);
                if (msg != NULL) {
                    exc = PyObject_CallFunction(w->error_cls, "sO", "payment_tree", msg);
                    Py_DECREF(msg);
                    if (exc != NULL) {
                        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
                        Py_DECREF(exc);
                    }
                }
                goto fail;
            }
            int64_t base = parent.amount / parts, remainder = parent.amount % parts;
            for (int64_t k = 0; k < parts; k++) {
                int64_t child = new_pay(r, parent.sender, parent.receiver,
                                        base + (k == parts - 1 ? remainder : 0), parent.arrival,
                                        parent.deadline, parent.priority, idx);
                if (child < 0 || vec_push(&r->pending, child) < 0) goto fail;
            }
            r->costs[a * NCOMP + SPLIT] += (__int128)(parts - 1) * w->split_friction;
        }
    }
    Py_XDECREF(snapshot);
    {
        Vec swap = *queue;
        *queue = r->kept;
        r->kept = swap;
    }
    return 0;
fail:
    Py_XDECREF(snapshot);
    tag_failure(a, t);
    return -1;
}

static int64_t *int_array(PyObject *seq, Py_ssize_t n, const char *what) {
    if (!PyTuple_Check(seq) || PyTuple_GET_SIZE(seq) != n) {
        PyErr_Format(PyExc_TypeError, "%s must be a tuple of %zd ints", what, n);
        return NULL;
    }
    int64_t *out = PyMem_Calloc((size_t)(n ? n : 1), sizeof(int64_t));
    if (out == NULL) return (int64_t *)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(seq, i));
        if (out[i] == -1 && PyErr_Occurred()) {
            PyMem_Free(out);
            return NULL;
        }
    }
    return out;
}

static int read_rows(const int64_t **cursor, const int64_t *end, Py_ssize_t need) {
    if (end - *cursor < need) {
        PyErr_SetString(PyExc_ValueError, "truncated packed input");
        return -1;
    }
    return 0;
}

static int run_ticks(const Sim *w, Run *r, const int64_t *stat, const int64_t *stat_end,
                     const int64_t *arr, const int64_t *arr_end, PyObject *actions,
                     PyObject *decides) {
    Py_ssize_t n = w->n;
    int64_t *liq = PyMem_Calloc((size_t)n, sizeof(int64_t));
    __int128 *q2w = PyMem_Calloc((size_t)n, sizeof(__int128));
    int64_t *q2o = PyMem_Calloc((size_t)n, sizeof(int64_t));
    long *act = PyMem_Calloc((size_t)n, sizeof(long));
    int rc = -1;
    if (liq == NULL || q2w == NULL || q2o == NULL || act == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t a = 0; a < n; a++) {
        PyObject *v = PyTuple_GET_ITEM(actions, a);
        act[a] = v == Py_None ? LONG_MIN : PyLong_AsLong(v);
        if (act[a] == -1 && PyErr_Occurred()) goto done;
        int64_t al = r->alloc[a];
        liq[a] = al <= 0 ? 0
                         : (int64_t)(((__int128)al * w->liquidity_scaled + LIQUIDITY_DIVISOR / 2) /
                                     LIQUIDITY_DIVISOR);
    }
    for (long long t = 0; t < w->total; t++) {
        long long tid = t % w->tpd;
        /* 0. a new day: fresh costs, pool liquidity allocated again */
        if (tid == 0 && t > 0) {
            for (Py_ssize_t a = 0; a < n; a++) {
                memset(&r->costs[a * NCOMP], 0, NCOMP * sizeof(__int128));
                add_checked(r, &r->balance[a], r->alloc[a]);
            }
        }
        /* 1. scheduled moves, then event payments and 2. Poisson arrivals join Q1 */
        if (read_rows(&stat, stat_end, 1) < 0) goto done;
        int64_t moves = *stat++;
        if (read_rows(&stat, stat_end, moves * 3) < 0) goto done;
        for (int64_t k = 0; k < moves; k++, stat += 3) {
            sub_checked(r, &r->balance[stat[0]], stat[2]);
            add_checked(r, &r->balance[stat[1]], stat[2]);
        }
        for (int source = 0; source < 2; source++) {
            const int64_t **cur = source == 0 ? &stat : &arr;
            const int64_t *end = source == 0 ? stat_end : arr_end;
            if (read_rows(cur, end, 1) < 0) goto done;
            int64_t rows = *(*cur)++;
            if (read_rows(cur, end, rows * 5) < 0) goto done;
            for (int64_t k = 0; k < rows; k++, *cur += 5) {
                const int64_t *row = *cur;
                if (row[0] < 0 || row[0] >= n || row[1] < 0 || row[1] >= n) {
                    PyErr_SetString(PyExc_ValueError, "agent index out of range");
                    goto done;
                }
                int64_t idx = new_pay(r, row[0], row[1], row[2], t, row[3], row[4], -1);
                if (idx < 0 || vec_push(&r->arrived, idx) < 0 || vec_push(&r->q1[row[0]], idx) < 0)
                    goto done;
            }
        }
        /* 3. policies: each Q1 judged against one snapshot of its agent */
        r->pending.n = 0;
        for (Py_ssize_t a = 0; a < n; a++) {
            Vec *queue = &r->q1[a];
            if (queue->n == 0) continue;
            PyObject *decide = PyTuple_GET_ITEM(decides, a);
            if (decide == Py_None && act[a] == w->release) {
                for (Py_ssize_t i = 0; i < queue->n; i++)
                    if (vec_push(&r->pending, queue->v[i]) < 0) goto done;
                queue->n = 0;
                continue;
            }
            if (decide == Py_None && act[a] == w->hold) continue;
            if (decide_queue(w, r, a, t, act[a], decide) < 0) goto done;
        }
        /* 4. submissions settle in order or join the back of Q2 */
        for (Py_ssize_t i = 0; i < r->pending.n; i++) {
            int64_t idx = r->pending.v[i];
            if (!try_settle(w, r, idx, t) && vec_push(&r->q2, idx) < 0) goto done;
        }
        /* 5. one Q2 pass: mark overdue, settle what is affordable */
        if (r->q2.n) {
            r->waiting.n = 0;
            for (Py_ssize_t i = 0; i < r->q2.n; i++) {
                int64_t idx = r->q2.v[i];
                Pay *p = &r->pays[idx];
                if (p->overdue_since < 0 && t > p->deadline) p->overdue_since = t;
                if (!try_settle(w, r, idx, t) && vec_push(&r->waiting, idx) < 0) goto done;
            }
            Vec swap = r->q2;
            r->q2 = r->waiting;
            r->waiting = swap;
        }
        /* 7. deferred credits reach their receivers */
        if (w->deferred) {
            for (Py_ssize_t a = 0; a < n; a++) {
                if (r->credits[a]) {
                    add_checked(r, &r->balance[a], r->credits[a]);
                    r->credits[a] = 0;
                }
            }
        }
        /* 8. costs */
        memset(q2w, 0, (size_t)n * sizeof(__int128));
        memset(q2o, 0, (size_t)n * sizeof(int64_t));
        for (Py_ssize_t i = 0; i < r->q2.n; i++) {
            const Pay *p = &r->pays[r->q2.v[i]];
            q2w[p->sender] += (__int128)p->remaining * (p->overdue_since >= 0 ? w->overdue_mult : 1000);
            if (p->overdue_since == t) q2o[p->sender]++;
        }
        for (Py_ssize_t a = 0; a < n; a++) {
            __int128 *row = &r->costs[a * NCOMP];
            row[LIQ] += liq[a];
            __int128 weight = q2w[a];
            int64_t overdue = q2o[a];
            Vec *queue = &r->q1[a];
            for (Py_ssize_t i = 0; i < queue->n; i++) {
                int64_t idx = queue->v[i];
                Pay *p = &r->pays[idx];
                if (p->overdue_since < 0 && t > p->deadline) {
                    if (set_overdue(r, idx, t) < 0) goto done;
                    overdue++;
                }
                weight += (__int128)p->remaining * (p->overdue_since >= 0 ? w->overdue_mult : 1000);
            }
            if (weight) {
                __int128 product;
                if (weight > ((__int128)1 << 90) ||
                    __builtin_mul_overflow(weight, (__int128)w->delay_scaled, &product))
                    r->overflow = 1;
                else
                    row[DELAY] += (product + DELAY_DIVISOR / 2) / DELAY_DIVISOR;
            }
            if (overdue) row[DEADLINE] += (__int128)overdue * w->deadline_penalty;
            if (r->balance[a] < 0)
                row[OVERDRAFT] += (-(__int128)r->balance[a] * w->overdraft_scaled +
                                   OVERDRAFT_DIVISOR / 2) / OVERDRAFT_DIVISOR;
        }
        /* 9. end of day: penalties for what is unsettled, pool liquidity handed back */
        if (tid == w->tpd - 1) {
            for (Py_ssize_t a = 0; a < n; a++) {
                int64_t late = 0;
                const Vec *queue = &r->q1[a];
                for (Py_ssize_t i = 0; i < queue->n; i++)
                    if (!w->overdue_only || r->pays[queue->v[i]].deadline < t) late++;
                for (Py_ssize_t i = 0; i < r->q2.n; i++) {
                    const Pay *p = &r->pays[r->q2.v[i]];
                    if (p->sender == a && (!w->overdue_only || p->deadline < t)) late++;
                }
                r->costs[a * NCOMP + EOD] += (__int128)late * w->eod_penalty;
                sub_checked(r, &r->balance[a], r->alloc[a]);
            }
        }
        if (r->overflow) break;
    }
    rc = 0;
done:
    PyMem_Free(liq);
    PyMem_Free(q2w);
    PyMem_Free(q2o);
    PyMem_Free(act);
    return rc;
}

static void free_run(Run *r, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < r->npays; i++) Py_XDECREF((PyObject *)r->pays[i].obj);
    PyMem_Free(r->pays);
    PyMem_Free(r->balance);
    PyMem_Free(r->credits);
    PyMem_Free(r->alloc);
    PyMem_Free(r->costs);
    if (r->q1 != NULL)
        for (Py_ssize_t a = 0; a < n; a++) vec_free(&r->q1[a]);
    PyMem_Free(r->q1);
    vec_free(&r->q2);
    vec_free(&r->waiting);
    vec_free(&r->pending);
    vec_free(&r->kept);
    vec_free(&r->arrived);
}

static PyObject *run_result(const Sim *w, Run *r) {
    Py_ssize_t n = w->n;
    PyObject *costs = PyTuple_New(n * NCOMP);
    PyObject *balances = PyTuple_New(n);
    if (costs == NULL || balances == NULL) goto fail;
    for (Py_ssize_t k = 0; k < n * NCOMP; k++) {
        if (r->costs[k] > INT64_MAX || r->costs[k] < INT64_MIN) r->overflow = 1;
        PyObject *v = PyLong_FromLongLong((long long)r->costs[k]);
        if (v == NULL) goto fail;
        PyTuple_SET_ITEM(costs, k, v);
    }
    for (Py_ssize_t a = 0; a < n; a++) {
        PyObject *v = PyLong_FromLongLong(r->balance[a]);
        if (v == NULL) goto fail;
        PyTuple_SET_ITEM(balances, a, v);
    }
    if (r->overflow) {
        Py_DECREF(costs);
        Py_DECREF(balances);
        Py_RETURN_NONE;
    }
    long long settled = 0, delay = 0;
    for (Py_ssize_t i = 0; i < r->arrived.n; i++) {
        const Pay *p = &r->pays[r->arrived.v[i]];
        if (p->settled_at >= 0) {
            settled++;
            delay += p->settled_at - p->arrival;
        }
    }
    return Py_BuildValue("(NLnLN)", costs, settled, r->arrived.n, delay, balances);
fail:
    Py_XDECREF(costs);
    Py_XDECREF(balances);
    return NULL;
}

/* simulate(world, static, arrivals, allocations, actions, decides, TreeEvaluationError) -> (flat costs, settled, total, delay_ticks, balances) | None
 * world: (n, ticks_per_day, total_ticks, deferred, overdue_only, eod_rush_threshold, caps,
 *         opening, delay_scaled, overdue_mult_scaled, overdraft_scaled, liquidity_scaled,
 *         deadline_penalty, eod_penalty, split_friction, RELEASE, HOLD, DROP) */
static PyObject *native_simulate(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *world, *actions, *decides, *allocs;
    Py_buffer stat = {0}, arr = {0};
    Sim w;
    memset(&w, 0, sizeof w);
    Run r;
    memset(&r, 0, sizeof r);
    PyObject *caps, *opening, *result = NULL;
    if (!PyArg_ParseTuple(args, "O!y*y*O!O!O!O", &PyTuple_Type, &world, &stat, &arr,
                          &PyTuple_Type, &allocs, &PyTuple_Type, &actions, &PyTuple_Type,
                          &decides, &w.error_cls))
        return NULL;
    if (!PyArg_ParseTuple(world, "nLLppdOOLLLLLLLlll", &w.n, &w.tpd, &w.total, &w.deferred,
                          &w.overdue_only, &w.eod_rush_threshold, &caps, &opening,
                          &w.delay_scaled, &w.overdue_mult, &w.overdraft_scaled,
                          &w.liquidity_scaled, &w.deadline_penalty, &w.eod_penalty,
                          &w.split_friction, &w.release, &w.hold, &w.drop))
        goto out;
    Py_ssize_t n = w.n;
    if (n < 1 || w.tpd < 1 || PyTuple_GET_SIZE(actions) != n || PyTuple_GET_SIZE(decides) != n) {
        PyErr_SetString(PyExc_ValueError, "inconsistent world, actions or decides");
        goto out;
    }
    w.caps = int_array(caps, n, "caps");
    w.opening = int_array(opening, n, "opening");
    r.alloc = int_array(allocs, n, "allocations");
    if (w.caps == NULL || w.opening == NULL || r.alloc == NULL) goto out;
    r.balance = PyMem_Calloc((size_t)n, sizeof(int64_t));
    r.credits = PyMem_Calloc((size_t)n, sizeof(int64_t));
    r.costs = PyMem_Calloc((size_t)n * NCOMP, sizeof(__int128));
    r.q1 = PyMem_Calloc((size_t)n, sizeof(Vec));
    if (r.balance == NULL || r.credits == NULL || r.costs == NULL || r.q1 == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t a = 0; a < n; a++) {
        r.balance[a] = w.opening[a];
        add_checked(&r, &r.balance[a], r.alloc[a]);
    }
    const int64_t *s0 = stat.buf, *a0 = arr.buf;
    if (run_ticks(&w, &r, s0, s0 + stat.len / (Py_ssize_t)sizeof(int64_t), a0,
                  a0 + arr.len / (Py_ssize_t)sizeof(int64_t), actions, decides) < 0)
        goto out;
    result = run_result(&w, &r);
out:
    free_run(&r, w.n);
    PyMem_Free(w.caps);
    PyMem_Free(w.opening);
    PyBuffer_Release(&stat);
    PyBuffer_Release(&arr);
    return result;
}

static PyMethodDef methods[] = {
    {"arrivals", native_arrivals, METH_VARARGS,
     "arrivals(seed, total_ticks, ticks_per_day, cap_at_eod, next_day, plans) -> packed rows"},
    {"simulate", native_simulate, METH_VARARGS,
     "simulate(world, static, arrivals, allocations, actions, decides, TreeEvaluationError) "
     "-> (costs, settled, total, delay_ticks, balances) or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native",
    "Compiled fast path of the rtgs engine (identical results to the Python reference).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void) {
    if (PyType_Ready(&PaymentViewType) < 0 || PyType_Ready(&SnapshotViewType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "PaymentView", (PyObject *)&PaymentViewType) < 0 ||
        PyModule_AddObjectRef(m, "SnapshotView", (PyObject *)&SnapshotViewType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
