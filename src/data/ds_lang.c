/* ds_lang.c - script counting and the language guess of ds_lang.h. */
#include "config.h"

#include "ds_lang.h"

#include <string.h>

static const char *const names[DS_LANG_COUNT] = {"und", "en", "latin", "ko", "ja", "zh",
                                                 "ru", "ar", "he", "el", "th", "hi"};

const char *ds_lang_name(ds_lang l)
{
    return l < DS_LANG_COUNT ? names[l] : "?";
}

int ds_lang_parse(const char *name, size_t len, ds_lang *out)
{
    for (int l = 0; l < DS_LANG_COUNT; l++)
        if (strlen(names[l]) == len && !memcmp(names[l], name, len)) {
            *out = (ds_lang)l;
            return 0;
        }
    return -1;
}

/* Code point ranges of each script's letters (the main blocks only). */
static const struct { uint32_t lo, hi; ds_script s; } ranges[] = {
    {0x00C0, 0x024F, DS_SCRIPT_OTHER_LATIN},  {0x1E00, 0x1EFF, DS_SCRIPT_OTHER_LATIN},
    {0x0370, 0x03FF, DS_SCRIPT_GREEK},        {0x0400, 0x052F, DS_SCRIPT_CYRILLIC},
    {0x0590, 0x05FF, DS_SCRIPT_HEBREW},       {0x0600, 0x06FF, DS_SCRIPT_ARABIC},
    {0x0750, 0x077F, DS_SCRIPT_ARABIC},       {0x0900, 0x097F, DS_SCRIPT_DEVANAGARI},
    {0x0E00, 0x0E7F, DS_SCRIPT_THAI},         {0x1100, 0x11FF, DS_SCRIPT_HANGUL},
    {0x3040, 0x30FF, DS_SCRIPT_KANA},         {0x3130, 0x318F, DS_SCRIPT_HANGUL},
    {0x31F0, 0x31FF, DS_SCRIPT_KANA},         {0x3400, 0x4DBF, DS_SCRIPT_HAN},
    {0x4E00, 0x9FFF, DS_SCRIPT_HAN},          {0xAC00, 0xD7AF, DS_SCRIPT_HANGUL},
    {0xF900, 0xFAFF, DS_SCRIPT_HAN},          {0xFF66, 0xFF9F, DS_SCRIPT_KANA},
    {0x20000, 0x2FFFF, DS_SCRIPT_HAN},
};

void ds_lang_add(ds_script_counts *c, uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
            c->letters[DS_SCRIPT_ASCII_LATIN]++;
        return;
    }
    if (cp == 0xD7 || cp == 0xF7)   /* × and ÷ sit inside Latin-1 */
        return;
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (cp >= ranges[i].lo && cp <= ranges[i].hi) {
            c->letters[ranges[i].s]++;
            return;
        }
}

ds_lang ds_lang_pick(const ds_script_counts *c)
{
    static const ds_lang by_script[DS_SCRIPT_COUNT] = {
        DS_LANG_EN, DS_LANG_LATIN, DS_LANG_KO, DS_LANG_JA, DS_LANG_ZH, DS_LANG_RU,
        DS_LANG_AR, DS_LANG_HE, DS_LANG_EL, DS_LANG_TH, DS_LANG_HI};
    uint32_t n[DS_SCRIPT_COUNT];
    memcpy(n, c->letters, sizeof n);
    uint32_t latin = n[DS_SCRIPT_ASCII_LATIN] + n[DS_SCRIPT_OTHER_LATIN];
    uint32_t kana = n[DS_SCRIPT_KANA], cjk = n[DS_SCRIPT_HAN] + kana;
    n[DS_SCRIPT_ASCII_LATIN] = latin;
    n[DS_SCRIPT_OTHER_LATIN] = 0;
    /* Japanese mixes kanji and kana; Chinese has no kana. */
    if (kana * 10 >= cjk && kana > 0) {
        n[DS_SCRIPT_KANA] = cjk;
        n[DS_SCRIPT_HAN] = 0;
    } else {
        n[DS_SCRIPT_HAN] = cjk;
        n[DS_SCRIPT_KANA] = 0;
    }
    int best = -1;
    for (int s = 0; s < DS_SCRIPT_COUNT; s++)
        if (n[s] > 0 && (best < 0 || n[s] > n[best]))
            best = s;
    if (best < 0)
        return DS_LANG_UND;
    if (best == DS_SCRIPT_ASCII_LATIN)
        return c->letters[DS_SCRIPT_OTHER_LATIN] * 100 < latin ? DS_LANG_EN : DS_LANG_LATIN;
    return by_script[best];
}
