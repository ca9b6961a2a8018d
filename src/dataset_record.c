/* dataset_record.c - parsing one record with jansson into the normalised
 * form of dataset_record.h, and telling a record's format from its keys. */
#include "config.h"

#include "dataset_record.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static const char *const format_names[] = {
    [DS_FMT_AUTO] = "auto",
    [DS_FMT_ALPACA] = "alpaca",
    [DS_FMT_SHAREGPT] = "sharegpt",
    [DS_FMT_MESSAGES] = "messages",
    [DS_FMT_COMPLETION] = "completion",
    [DS_FMT_INPUT_OUTPUT] = "input_output",
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

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
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

/* The output field: the mapped name, else "output", "response" or "answer". */
static json_t *output_of(json_t *obj, const ds_mapping *map)
{
    if (map && map->output)
        return json_object_get(obj, map->output);
    json_t *v = json_object_get(obj, "output");
    if (!v)
        v = json_object_get(obj, "response");
    if (!v)
        v = json_object_get(obj, "answer");
    return v;
}

/* A string field into OUT; a missing or null optional field is empty. */
static int get_text(json_t *v, const char *name, bool optional, ds_text *out, char *why,
                    size_t whylen)
{
    if (optional && (!v || json_is_null(v))) {
        *out = (ds_text){"", 0};
        return 0;
    }
    if (!json_is_string(v)) {
        snprintf(why, whylen, "'%s' is %s, expected a string", name, json_kind(v));
        return -1;
    }
    *out = (ds_text){json_string_value(v), json_string_length(v)};
    return 0;
}

static int add_turn(ds_record *rec, ds_role role, ds_text text)
{
    ds_turn *t = realloc(rec->turns, (rec->n_turns + 1) * sizeof *t);
    if (!t)
        return -1;
    rec->turns = t;
    t[rec->n_turns++] = (ds_turn){role, text};
    return 0;
}

static int oom(char *why, size_t whylen)
{
    snprintf(why, whylen, "out of memory");
    return -1;
}

static int parse_alpaca(json_t *obj, const ds_mapping *map, ds_record *rec, char *why,
                        size_t whylen)
{
    const char *ki = field(map ? map->instruction : NULL, "instruction");
    const char *kin = field(map ? map->input : NULL, "input");
    const char *ko = field(map ? map->output : NULL, "output");
    json_t *vi = json_object_get(obj, ki), *vo = output_of(obj, map);
    if (!vi || !vo) {
        snprintf(why, whylen, "expected an object with '%s' and '%s'", ki, ko);
        return -1;
    }
    if (get_text(vi, ki, false, &rec->instruction, why, whylen) != 0
        || get_text(json_object_get(obj, kin), kin, true, &rec->input, why, whylen) != 0
        || get_text(vo, ko, false, &rec->output, why, whylen) != 0)
        return -1;
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
    if (add_turn(rec, DS_ROLE_USER, user) || add_turn(rec, DS_ROLE_ASSISTANT, rec->output))
        return oom(why, whylen);
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
static int parse_turn(json_t *t, size_t n, bool sharegpt, ds_record *rec, char *why,
                      size_t whylen)
{
    const char *kr = sharegpt ? "from" : "role", *kt = sharegpt ? "value" : "content";
    if (!json_is_object(t)) {
        snprintf(why, whylen, "turn %zu is %s, expected an object with '%s' and '%s'", n,
                 json_kind(t), kr, kt);
        return -1;
    }
    json_t *r = json_object_get(t, kr), *x = json_object_get(t, kt);
    if (!r && !x) {
        r = json_object_get(t, sharegpt ? "role" : "from");
        x = json_object_get(t, sharegpt ? "content" : "value");
    }
    ds_role role;
    if (!json_is_string(r) || role_of(json_string_value(r), &role) != 0) {
        if (json_is_string(r))
            snprintf(why, whylen, "turn %zu: unknown role '%s' (expected system, %s)", n,
                     json_string_value(r), sharegpt ? "human or gpt" : "user or assistant");
        else
            snprintf(why, whylen, "turn %zu: expected '%s' naming the speaker", n, kr);
        return -1;
    }
    if (!json_is_string(x)) {
        snprintf(why, whylen, "turn %zu: '%s' is %s, expected a string", n, kt,
                 x ? json_kind(x) : "missing");
        return -1;
    }
    if (add_turn(rec, role, (ds_text){json_string_value(x), json_string_length(x)}))
        return oom(why, whylen);
    return 0;
}

static int parse_conversation(json_t *obj, ds_format fmt, const ds_mapping *map,
                              ds_record *rec, char *why, size_t whylen)
{
    const char *key = list_key(fmt, map);
    json_t *list = json_object_get(obj, key);
    if (!json_is_array(list) || json_array_size(list) == 0) {
        snprintf(why, whylen, "expected an object with '%s' holding a non-empty list of turns",
                 key);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(list); i++)
        if (parse_turn(json_array_get(list, i), i + 1, fmt == DS_FMT_SHAREGPT, rec, why,
                       whylen) != 0)
            return -1;
    return 0;
}

static int parse_completion(json_t *obj, ds_record *rec, char *why, size_t whylen)
{
    json_t *v = json_object_get(obj, "text");
    if (!v) {
        snprintf(why, whylen, "expected an object with 'text'");
        return -1;
    }
    if (get_text(v, "text", false, &rec->output, why, whylen) != 0)
        return -1;
    return add_turn(rec, DS_ROLE_ASSISTANT, rec->output) ? oom(why, whylen) : 0;
}

static int parse_input_output(json_t *obj, const ds_mapping *map, ds_record *rec, char *why,
                              size_t whylen)
{
    const char *kin = field(map ? map->input : NULL, "input");
    const char *ko = field(map ? map->output : NULL, "output");
    json_t *vi = json_object_get(obj, kin), *vo = json_object_get(obj, ko);
    if (!vi || !vo) {
        snprintf(why, whylen, "expected an object with '%s' and '%s'", kin, ko);
        return -1;
    }
    if (get_text(vi, kin, false, &rec->input, why, whylen) != 0
        || get_text(vo, ko, false, &rec->output, why, whylen) != 0)
        return -1;
    if (add_turn(rec, DS_ROLE_USER, rec->input) || add_turn(rec, DS_ROLE_ASSISTANT, rec->output))
        return oom(why, whylen);
    return 0;
}

static json_t *load_object(const char *text, size_t len, char *why, size_t whylen,
                           size_t *err_pos)
{
    json_error_t e;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY, &e);
    if (!root) {
        /* jansson names its flag here; say what is wrong instead. */
        if (json_error_code(&e) == json_error_null_character)
            snprintf(why, whylen, "invalid JSON: a string holds \\u0000 (NUL), which is not "
                     "supported");
        else
            snprintf(why, whylen, "invalid JSON: %s", e.text);
        if (err_pos)
            *err_pos = (size_t)e.position;
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(why, whylen, "expected a JSON object, found %s", json_kind(root));
        json_decref(root);
        return NULL;
    }
    return root;
}

int ds_record_parse(const char *text, size_t len, ds_format fmt, const ds_mapping *map,
                    ds_record *rec, char *why, size_t whylen, size_t *err_pos)
{
    memset(rec, 0, sizeof *rec);
    rec->format = fmt;
    json_t *obj = load_object(text, len, why, whylen, err_pos);
    if (!obj)
        return -1;
    rec->json = obj;
    int rc;
    switch (fmt) {
    case DS_FMT_ALPACA: rc = parse_alpaca(obj, map, rec, why, whylen); break;
    case DS_FMT_SHAREGPT:
    case DS_FMT_MESSAGES: rc = parse_conversation(obj, fmt, map, rec, why, whylen); break;
    case DS_FMT_COMPLETION: rc = parse_completion(obj, rec, why, whylen); break;
    case DS_FMT_INPUT_OUTPUT: rc = parse_input_output(obj, map, rec, why, whylen); break;
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
    json_decref(rec->json);
    free(rec->turns);
    free(rec->joined);
    memset(rec, 0, sizeof *rec);
}

static ds_format classify_object(json_t *obj, const ds_mapping *map)
{
    const char *ki = field(map ? map->instruction : NULL, "instruction");
    const char *kin = field(map ? map->input : NULL, "input");
    const char *ko = field(map ? map->output : NULL, "output");
    json_t *list = map && map->messages ? json_object_get(obj, map->messages) : NULL;
    if (json_is_array(list)) {
        json_t *first = json_array_get(list, 0);
        return json_object_get(first, "from") ? DS_FMT_SHAREGPT : DS_FMT_MESSAGES;
    }
    if (json_is_array(json_object_get(obj, "conversations")))
        return DS_FMT_SHAREGPT;
    if (json_is_array(json_object_get(obj, "messages")))
        return DS_FMT_MESSAGES;
    if (json_object_get(obj, ki))
        return DS_FMT_ALPACA;
    if (json_object_get(obj, kin) && json_object_get(obj, ko))
        return DS_FMT_INPUT_OUTPUT;
    if (json_is_string(json_object_get(obj, "text")))
        return DS_FMT_COMPLETION;
    return DS_FMT_AUTO;
}

ds_format ds_record_classify(const char *text, size_t len, const ds_mapping *map)
{
    char why[8];
    json_t *obj = load_object(text, len, why, sizeof why, NULL);
    if (!obj)
        return DS_FMT_AUTO;
    ds_format f = classify_object(obj, map);
    json_decref(obj);
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
