/* paragraphs.h - a plain text cut at its double blank lines into a
 * completion dataset (JSONL, one {"text": DOCUMENT} per line): the sample's
 * pretraining text (pretrain.h) in the form `lathe train` reads. */
#ifndef LATHE_SAMPLE_PARAGRAPHS_H
#define LATHE_SAMPLE_PARAGRAPHS_H

#include <stddef.h>
#include <stdio.h>

/* Writes one record per non-empty document of TEXT (LEN bytes, UTF-8): the
 * text between runs of three or more newlines, without its trailing
 * newlines; single blank lines stay inside. Returns the record count, or -1 when
 * encoding or writing fails. */
long paragraphs_write_jsonl(FILE *out, const char *text, size_t len);

#endif
