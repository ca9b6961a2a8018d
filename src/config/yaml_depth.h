/* yaml_depth.h - a cap on how deeply lists and mappings nest in a YAML text
 * (configs, themes, recipes), checked on libyaml's event stream before the
 * document is loaded.
 *
 * libyaml's scanner keeps a possible simple key per open flow collection and
 * looks at all of them for every token, so N nested '[' cost time quadratic
 * in N (25000 levels: 2 s; a 2 MB file: minutes) before any document exists.
 * Reading events and stopping at the first collection past the cap keeps the
 * cost linear in the text. The files lathe reads nest a few levels. */
#ifndef LATHE_YAML_DEPTH_H
#define LATHE_YAML_DEPTH_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

enum { YAML_DEPTH_MAX = 64 };

/* True, with *AT at the start of the first collection nested deeper than
 * MAX, when there is one; false otherwise, and also for a text libyaml
 * cannot parse (loading it reports why). */
bool yaml_depth_exceeded(const char *text, size_t len, int max, yaml_mark_t *at);

#endif
