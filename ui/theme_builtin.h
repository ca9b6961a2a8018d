/* theme_builtin.h - themes/default.yaml compiled into the binary, so the
 * default theme works when no theme file can be found (the C source is
 * generated from the YAML at build time by a rule in Makefile.am). */
#ifndef LATHE_THEME_BUILTIN_H
#define LATHE_THEME_BUILTIN_H

#include <stddef.h>

extern const char theme_builtin_default[];
extern const size_t theme_builtin_default_len;

#endif
