/* gguf_copy.h - test support: copy a GGUF file through the reader and the
 * writer and assert the copy is byte-identical to the original. */
#ifndef LATHE_TEST_GGUF_COPY_H
#define LATHE_TEST_GGUF_COPY_H

/* Copies every pair and tensor (raw) of SRC to DST; fails the running cmocka
 * test unless the two files are equal byte for byte. */
void gguf_copy_matches(const char *src, const char *dst);

#endif
