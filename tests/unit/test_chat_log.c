/* test_chat_log.c - the Chat pane's entries (ui/chat/chat_log.c): a reply
 * streamed in pieces reads as the whole reply made drawable (a model's
 * escape sequences and broken UTF-8 shown as escapes, tabs as spaces), and
 * the words two replies differ in are marked where they are in that
 * drawable text, after the escapes and tabs that moved them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "chat_log.h"

static void streamed_pieces_are_made_drawable(void **state)
{
    (void)state;
    chat_log l = {0};
    chat_log_entry *e = chat_log_add(&l, CHAT_LOG_REPLY, NULL, 0);
    assert_non_null(e);
    assert_int_equal(chat_log_put(e, 0, "h\xc3\xa9", 3), 0);
    assert_int_equal(chat_log_put(e, 0, "llo \x1b[31mred", 12), 0);
    assert_int_equal(chat_log_put(e, 0, "\t\xff!", 3), 0);
    assert_string_equal(e->col[0].text.p, "h\xc3\xa9llo \\e[31mred    \\xFF!");
    assert_ptr_equal(chat_log_last_reply(&l), e);
    assert_non_null(chat_log_add(&l, CHAT_LOG_NOTICE, "(the context is full)", 21));
    assert_ptr_equal(chat_log_last_reply(&l), e);
    assert_string_equal(l.items[1]->text.p, "(the context is full)");
    chat_log_free(&l);
}

static void differing_words_are_marked_in_the_drawable_text(void **state)
{
    (void)state;
    const char *a = "one\ttwo \x1b three", *b = "one two four";
    chat_diff d;
    assert_int_equal(chat_diff_words(a, b, &d), 0);
    chat_log l = {0};
    chat_log_entry *e = chat_log_add(&l, CHAT_LOG_REPLY, NULL, 0);
    assert_non_null(e);
    e->n_cols = 2;
    assert_int_equal(chat_log_mark(e, 0, a, d.a, d.na), 0);
    assert_int_equal(chat_log_mark(e, 1, b, d.b, d.nb), 0);
    const chat_log_col *c = &e->col[0];
    assert_string_equal(c->text.p, "one    two \\e three");
    assert_int_equal(c->n_marks, 2);         /* the escape and "three" */
    assert_memory_equal(c->text.p + c->marks[0].start, "\\e", 2);
    assert_int_equal(c->marks[0].end - c->marks[0].start, 2);
    assert_memory_equal(c->text.p + c->marks[1].start, "three", 5);
    assert_int_equal(c->marks[1].end, strlen(c->text.p));
    c = &e->col[1];
    assert_int_equal(c->n_marks, 1);
    assert_memory_equal(c->text.p + c->marks[0].start, "four", 4);
    chat_diff_free(&d);
    chat_log_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(streamed_pieces_are_made_drawable),
        cmocka_unit_test(differing_words_are_marked_in_the_drawable_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
