/* paragraphs.h - a plain text cut at its blank lines into a completion
 * dataset (JSONL, one {"text": PARAGRAPH} per line): the sample's
 * pretraining text in the form `lathe train` reads. */
#ifndef LATHE_SAMPLE_PARAGRAPHS_H
#define LATHE_SAMPLE_PARAGRAPHS_H

#include <stddef.h>
#include <stdio.h>

/* Writes one record per non-empty paragraph of TEXT (LEN bytes, UTF-8),
 * without its trailing newlines. Returns the record count, or -1 when
 * encoding or writing fails. */
long paragraphs_write_jsonl(FILE *out, const char *text, size_t len);

#endif
