/* ds_record.c - parsing one record (jtree.h) into the normalised
 * form of ds_record.h, and telling a record's format from its keys. */
#include "config.h"

#include "ds_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "jtree.h"

static const char *const format_names[] = {
    [DS_FMT_AUTO] = "auto",
    [DS_FMT_ALPACA] = "alpaca",
    [DS_FMT_SHAREGPT] = "sharegpt",
    [DS_FMT_MESSAGES] = "messages",
    [DS_FMT_COMPLETION] = "completion",
    [DS_FMT_INPUT_OUTPUT] = "input_output",
    [DS_FMT_PREFERENCE] = "preference",
};

const char *ds_format_name(ds_format f)
{
    return (unsigned)f < sizeof format_names / sizeof *format_names ? format_names[f] : "?";
}

int ds_format_parse(const char *name, ds_format *out)
{
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++)
        if (!strcmp(name, format_names[i])) {
            *out = (ds_format)i;
            return 0;
        }
    return -1;
}

const char *ds_role_name(ds_role r)
{
    return r == DS_ROLE_SYSTEM ? "system" : r == DS_ROLE_USER ? "user" : "assistant";
}

static const char *list_key(ds_format fmt, const ds_mapping *map)
{
    if (map && map->messages)
        return map->messages;
    return fmt == DS_FMT_SHAREGPT ? "conversations" : "messages";
}

static const char *field(const char *mapped, const char *dflt)
{
    return mapped ? mapped : dflt;
}

/* The output field: the mapped name, else "output", "response" or "answer";
 * *KEY is the name it has (the mapped or "output" when there is none). */
static jt_node output_of(const jtree *t, jt_node obj, const ds_mapping *map, const char **key)
{
    static const char *const names[] = {"output", "response", "answer"};
    *key = map && map->output ? map->output : names[0];
    if (map && map->output)
        return jtree_get(t, obj, map->output);
    jt_node v = JT_NONE;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && v == JT_NONE; i++)
        if ((v = jtree_get(t, obj, names[i])) != JT_NONE)
            *key = names[i];
    return v;
}

/* A string field into OUT; a missing or null optional field is empty. */
static int get_text(const jtree *t, jt_node v, const char *name, bool optional, ds_text *out,
                    char *why, size_t whylen)
{
    jt_kind k = jtree_kind(t, v);
    if (optional && (k == JT_MISSING || k == JT_NULL)) {
        *out = (ds_text){"", 0};
        return 0;
    }
    if (k != JT_STRING) {
        snprintf(why, whylen, "'%s' is %s, expected a string", name, jtree_kind_name(k));
        return -1;
    }
    out->text = jtree_str(t, v, &out->len);
    return 0;
}

static int oom(char *why, size_t whylen)
{
    snprintf(why, whylen, "out of memory");
    return -1;
}

/* Room for N turns, allocated once: records are parsed by the million. */
static int reserve_turns(ds_record *rec, size_t n, char *why, size_t whylen)
{
    if (!(rec->turns = malloc(n * sizeof *rec->turns)))
        return oom(why, whylen);
    return 0;
}

static void add_turn(ds_record *rec, ds_role role, ds_text text)
{
    rec->turns[rec->n_turns++] = (ds_turn){role, text};
}

static int parse_alpaca(const jtree *t, jt_node obj, const ds_mapping *map, ds_record *rec,
                        char *why, size_t whylen)
{
    const char *ki = field(map ? map->instruction : NULL, "instruction");
    const char *kin = field(map ? map->input : NULL, "input");
    const char *ko;
    jt_node vi = jtree_get(t, obj, ki), vo = output_of(t, obj, map, &ko);
    if (vi == JT_NONE || vo == JT_NONE) {
        snprintf(why, whylen, "expected an object with '%s' and '%s'", ki, ko);
        return -1;
    }
    if (get_text(t, vi, ki, false, &rec->instruction, why, whylen) != 0
        || get_text(t, jtree_get(t, obj, kin), kin, true, &rec->input, why, whylen) != 0
        || get_text(t, vo, ko, false, &rec->output, why, whylen) != 0)
        return -1;
    rec->instruction_key = ki;
    rec->input_key = kin;
    rec->output_key = ko;
    ds_text user = rec->instruction;
    if (rec->input.len) {
        size_t n = rec->instruction.len + 2 + rec->input.len;
        if (!(rec->joined = malloc(n + 1)))
            return oom(why, whylen);
        memcpy(rec->joined, rec->instruction.text, rec->instruction.len);
        memcpy(rec->joined + rec->instruction.len, "\n\n", 2);
        memcpy(rec->joined + rec->instruction.len + 2, rec->input.text, rec->input.len);
        rec->joined[n] = '\0';
        user = (ds_text){rec->joined, n};
    }
    if (reserve_turns(rec, 2, why, whylen) != 0)
        return -1;
    add_turn(rec, DS_ROLE_USER, user);
    add_turn(rec, DS_ROLE_ASSISTANT, rec->output);
    return 0;
}

static int role_of(const char *s, ds_role *out)
{
    static const struct {
        const char *name;
        ds_role role;
    } roles[] = {
        {"system", DS_ROLE_SYSTEM}, {"human", DS_ROLE_USER}, {"user", DS_ROLE_USER},
        {"gpt", DS_ROLE_ASSISTANT}, {"assistant", DS_ROLE_ASSISTANT}, {"model", DS_ROLE_ASSISTANT},
    };
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
        if (!strcmp(s, roles[i].name)) {
            *out = roles[i].role;
            return 0;
        }
    return -1;
}

/* One turn object: the format's own keys first, then the other format's. */
static int parse_turn(const jtree *t, jt_node turn, size_t n, bool sharegpt, ds_record *rec,
                      char *why, size_t whylen)
{
    const char *kr = sharegpt ? "from" : "role", *kt = sharegpt ? "value" : "content";
    if (jtree_kind(t, turn) != JT_OBJECT) {
        snprintf(why, whylen, "turn %zu is %s, expected an object with '%s' and '%s'", n,
                 jtree_kind_name(jtree_kind(t, turn)), kr, kt);
        return -1;
    }
    jt_node r = jtree_get(t, turn, kr), x = jtree_get(t, turn, kt);
    if (r == JT_NONE && x == JT_NONE) {
        r = jtree_get(t, turn, sharegpt ? "role" : "from");
        x = jtree_get(t, turn, sharegpt ? "content" : "value");
    }
    size_t len;
    const char *who = jtree_str(t, r, &len);
    ds_role role;
    if (!who || role_of(who, &role) != 0) {
        if (who)
            snprintf(why, whylen, "turn %zu: unknown role '%s' (expected system, %s)", n, who,
                     sharegpt ? "human or gpt" : "user or assistant");
        else
            snprintf(why, whylen, "turn %zu: expected '%s' naming the speaker", n, kr);
        return -1;
    }
    ds_text text;
    if (!(text.text = jtree_str(t, x, &text.len))) {
        snprintf(why, whylen, "turn %zu: '%s' is %s, expected a string", n, kt,
                 jtree_kind_name(jtree_kind(t, x)));
        return -1;
    }
    add_turn(rec, role, text);
    return 0;
}

/* The turns of LIST (a non-empty array of turn objects) appended to REC,
 * counted from FIRST in messages. */
static int add_turns(const jtree *t, jt_node list, bool sharegpt, size_t first, ds_record *rec,
                     char *why, size_t whylen)
{
    size_t i = first;
    for (jt_node turn = jtree_first(t, list); turn != JT_NONE; turn = jtree_next(t, turn))
        if (parse_turn(t, turn, ++i, sharegpt, rec, why, whylen) != 0)
            return -1;
    return 0;
}

static int parse_conversation(const jtree *t, jt_node obj, ds_format fmt, const ds_mapping *map,
                              ds_record *rec, char *why, size_t whylen)
{
    const char *key = list_key(fmt, map);
    jt_node list = jtree_get(t, obj, key);
    size_t n = jtree_count(t, list);
    if (jtree_kind(t, list) != JT_ARRAY || n == 0) {
        snprintf(why, whylen, "expected an object with '%s' holding a non-empty list of turns",
                 key);
        return -1;
    }
    if (reserve_turns(rec, n, why, whylen) != 0)
        return -1;
    return add_turns(t, list, fmt == DS_FMT_SHAREGPT, 0, rec, why, whylen);
}

/* Turns a preference field holds: 1 for a string, the list's length. */
static size_t pref_count(const jtree *t, jt_node v)
{
    return jtree_kind(t, v) == JT_STRING ? 1 : jtree_count(t, v);
}

static int pref_field(const jtree *t, jt_node v, const char *name, ds_role role, ds_record *rec,
                      char *why, size_t whylen)
{
    jt_kind k = jtree_kind(t, v);
    if (k == JT_STRING) {
        ds_text x;
        x.text = jtree_str(t, v, &x.len);
        add_turn(rec, role, x);
        return 0;
    }
    if (k != JT_ARRAY || jtree_count(t, v) == 0) {
        snprintf(why, whylen, "'%s' is %s, expected a string or a non-empty list of messages",
                 name, jtree_kind_name(k));
        return -1;
    }
    return add_turns(t, v, false, rec->n_turns, rec, why, whylen);
}

static int parse_preference(const jtree *t, jt_node obj, ds_record *rec, char *why,
                            size_t whylen)
{
    jt_node p = jtree_get(t, obj, "prompt"), c = jtree_get(t, obj, "chosen");
    if (p == JT_NONE) {
        snprintf(why, whylen, "expected an object with 'prompt' and 'chosen'/'rejected'");
        return -1;
    }
    if (reserve_turns(rec, pref_count(t, p) + (c == JT_NONE ? 0 : pref_count(t, c)), why,
                      whylen) != 0 ||
        pref_field(t, p, "prompt", DS_ROLE_USER, rec, why, whylen) != 0)
        return -1;
    return c == JT_NONE ? 0 : pref_field(t, c, "chosen", DS_ROLE_ASSISTANT, rec, why, whylen);
}

static int parse_completion(const jtree *t, jt_node obj, ds_record *rec, char *why,
                            size_t whylen)
{
    jt_node v = jtree_get(t, obj, "text");
    if (v == JT_NONE) {
        snprintf(why, whylen, "expected an object with 'text'");
        return -1;
    }
    if (get_text(t, v, "text", false, &rec->output, why, whylen) != 0
        || reserve_turns(rec, 1, why, whylen) != 0)
        return -1;
    rec->output_key = "text";
    add_turn(rec, DS_ROLE_ASSISTANT, rec->output);
    return 0;
}

static int parse_input_output(const jtree *t, jt_node obj, const ds_mapping *map,
                              ds_record *rec, char *why, size_t whylen)
{
    const char *kin = field(map ? map->input : NULL, "input");
    const char *ko = field(map ? map->output : NULL, "output");
    jt_node vi = jtree_get(t, obj, kin), vo = jtree_get(t, obj, ko);
    if (vi == JT_NONE || vo == JT_NONE) {
        snprintf(why, whylen, "expected an object with '%s' and '%s'", kin, ko);
        return -1;
    }
    if (get_text(t, vi, kin, false, &rec->input, why, whylen) != 0
        || get_text(t, vo, ko, false, &rec->output, why, whylen) != 0
        || reserve_turns(rec, 2, why, whylen) != 0)
        return -1;
    rec->input_key = kin;
    rec->output_key = ko;
    add_turn(rec, DS_ROLE_USER, rec->input);
    add_turn(rec, DS_ROLE_ASSISTANT, rec->output);
    return 0;
}

/* The record's text as a tree whose root is an object. */
static jtree *load_object(const char *text, size_t len, char *why, size_t whylen,
                          size_t *err_pos)
{
    char e[200];
    jtree *t = jtree_parse(text, len, e, sizeof e, err_pos);
    if (!t) {
        snprintf(why, whylen, "invalid JSON: %s", e);
        return NULL;
    }
    jt_kind k = jtree_kind(t, jtree_root(t));
    if (k != JT_OBJECT) {
        snprintf(why, whylen, "expected a JSON object, found %s", jtree_kind_name(k));
        jtree_free(t);
        return NULL;
    }
    return t;
}

int ds_record_parse(const char *text, size_t len, ds_format fmt, const ds_mapping *map,
                    ds_record *rec, char *why, size_t whylen, size_t *err_pos)
{
    memset(rec, 0, sizeof *rec);
    rec->format = fmt;
    jtree *t = load_object(text, len, why, whylen, err_pos);
    if (!t)
        return -1;
    rec->json = t;
    jt_node obj = jtree_root(t);
    int rc;
    switch (fmt) {
    case DS_FMT_ALPACA: rc = parse_alpaca(t, obj, map, rec, why, whylen); break;
    case DS_FMT_SHAREGPT:
    case DS_FMT_MESSAGES: rc = parse_conversation(t, obj, fmt, map, rec, why, whylen); break;
    case DS_FMT_COMPLETION: rc = parse_completion(t, obj, rec, why, whylen); break;
    case DS_FMT_INPUT_OUTPUT: rc = parse_input_output(t, obj, map, rec, why, whylen); break;
    case DS_FMT_PREFERENCE: rc = parse_preference(t, obj, rec, why, whylen); break;
    default:
        snprintf(why, whylen, "the dataset's format is not known");
        rc = -1;
    }
    if (rc != 0)
        ds_record_clear(rec);
    return rc;
}

void ds_record_clear(ds_record *rec)
{
    jtree_free(rec->json);
    free(rec->turns);
    free(rec->joined);
    memset(rec, 0, sizeof *rec);
}

static ds_format classify_object(const jtree *t, jt_node obj, const ds_mapping *map)
{
    const char *ki = field(map ? map->instruction : NULL, "instruction");
    const char *kin = field(map ? map->input : NULL, "input");
    const char *ko = field(map ? map->output : NULL, "output");
    jt_node list = map && map->messages ? jtree_get(t, obj, map->messages) : JT_NONE;
    if (jtree_kind(t, list) == JT_ARRAY)
        return jtree_get(t, jtree_first(t, list), "from") != JT_NONE ? DS_FMT_SHAREGPT
                                                                     : DS_FMT_MESSAGES;
    if (jtree_get(t, obj, "prompt") != JT_NONE &&
        (jtree_get(t, obj, "chosen") != JT_NONE || jtree_get(t, obj, "rejected") != JT_NONE))
        return DS_FMT_PREFERENCE;
    if (jtree_kind(t, jtree_get(t, obj, "conversations")) == JT_ARRAY)
        return DS_FMT_SHAREGPT;
    if (jtree_kind(t, jtree_get(t, obj, "messages")) == JT_ARRAY)
        return DS_FMT_MESSAGES;
    if (jtree_get(t, obj, ki) != JT_NONE)
        return DS_FMT_ALPACA;
    if (jtree_get(t, obj, kin) != JT_NONE && jtree_get(t, obj, ko) != JT_NONE)
        return DS_FMT_INPUT_OUTPUT;
    if (jtree_kind(t, jtree_get(t, obj, "text")) == JT_STRING)
        return DS_FMT_COMPLETION;
    return DS_FMT_AUTO;
}

ds_format ds_record_classify(const char *text, size_t len, const ds_mapping *map)
{
    char why[8];
    jtree *t = load_object(text, len, why, sizeof why, NULL);
    if (!t)
        return DS_FMT_AUTO;
    ds_format f = classify_object(t, jtree_root(t), map);
    jtree_free(t);
    return f;
}

uint64_t ds_record_hash(const ds_record *rec)
{
    uint64_t h = 0x6c617468655f6473ULL;
    for (size_t i = 0; i < rec->n_turns; i++) {
        const ds_turn *t = &rec->turns[i];
        h = XXH3_64bits_withSeed(t->text.text, t->text.len,
                                 h * 0x9e3779b97f4a7c15ULL + (uint64_t)t->role + 1);
    }
    return XXH3_64bits_withSeed(&rec->n_turns, sizeof rec->n_turns, h);
}

bool ds_record_same(const ds_record *a, const ds_record *b)
{
    if (a->n_turns != b->n_turns)
        return false;
    for (size_t i = 0; i < a->n_turns; i++) {
        const ds_turn *x = &a->turns[i], *y = &b->turns[i];
        if (x->role != y->role || x->text.len != y->text.len
            || memcmp(x->text.text, y->text.text, x->text.len) != 0)
            return false;
    }
    return true;
}
