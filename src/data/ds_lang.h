/* ds_lang.h - a language guess from the writing system: letters are counted
 * by Unicode script and the script with the most letters names the language.
 * Han with kana (at least a tenth of the two) is Japanese; Latin script is
 * "en" when fewer than 1 in 100 of its letters carry a diacritic (é, ß, ñ...)
 * and "latin" otherwise. Text without letters is "und". This is a filter
 * aid (`lang == ko`), not language identification: it cannot tell Russian
 * from Ukrainian, Arabic from Persian, or English from other unaccented text. */
#ifndef LATHE_DS_LANG_H
#define LATHE_DS_LANG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    DS_LANG_UND, DS_LANG_EN, DS_LANG_LATIN, DS_LANG_KO, DS_LANG_JA, DS_LANG_ZH, DS_LANG_RU,
    DS_LANG_AR, DS_LANG_HE, DS_LANG_EL, DS_LANG_TH, DS_LANG_HI, DS_LANG_COUNT
} ds_lang;

/* Letter counts by script; fill with ds_lang_add, read with ds_lang_pick. */
typedef enum {
    DS_SCRIPT_ASCII_LATIN, DS_SCRIPT_OTHER_LATIN, DS_SCRIPT_HANGUL, DS_SCRIPT_KANA,
    DS_SCRIPT_HAN, DS_SCRIPT_CYRILLIC, DS_SCRIPT_ARABIC, DS_SCRIPT_HEBREW, DS_SCRIPT_GREEK,
    DS_SCRIPT_THAI, DS_SCRIPT_DEVANAGARI, DS_SCRIPT_COUNT
} ds_script;

typedef struct {
    uint32_t letters[DS_SCRIPT_COUNT];
} ds_script_counts;

/* "und", "en", "latin", "ko", "ja", "zh", "ru", "ar", "he", "el", "th", "hi". */
const char *ds_lang_name(ds_lang l);
/* Returns 0 and sets *OUT for a name of ds_lang_name, else -1. */
int ds_lang_parse(const char *name, size_t len, ds_lang *out);

/* Counts code point CP when it is a letter of a known script. */
void ds_lang_add(ds_script_counts *c, uint32_t cp);
ds_lang ds_lang_pick(const ds_script_counts *c);

#endif
