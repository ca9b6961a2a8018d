/* test_line_edit.c - the one-line editor (ui/line_edit.h) driven key by key
 * as a prompt receives them from curses: every editing key, UTF-8 typed a
 * byte at a time (accents, CJK, emoji, combining marks, broken sequences),
 * columns for wide characters, sideways scrolling in a narrow field, the
 * per-prompt history with the draft kept, the completion hook, the length
 * limit, and the drawn field with the cursor's column. Word motion keys
 * have terminfo codes, so those tests run on a curses screen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "line_edit.h"

#define CTRL(c) ((c) & 0x1f)

static line_edit *new_editor(const char *initial, line_edit_history *h)
{
    line_edit *le = calloc(1, sizeof *le);
    assert_non_null(le);
    line_edit_open(le, initial, h);
    return le;
}

static void drop_editor(line_edit *le)
{
    line_edit_free(le);
    free(le);
}

/* Types S byte by byte, as getch hands a UTF-8 terminal's input over. */
static void type(line_edit *le, const char *s)
{
    for (; *s; s++)
        line_edit_key(le, (unsigned char)*s);
}

static void keys(line_edit *le, const int *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        line_edit_key(le, k[i]);
}
#define KEYS(le, ...) \
    keys(le, (const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

static void assert_line(const line_edit *le, const char *text, size_t cursor)
{
    assert_string_equal(line_edit_text(le), text);
    assert_int_equal(line_edit_cursor(le), cursor);
}

static void test_typing_and_moving(void **state)
{
    (void)state;
    line_edit *le = new_editor(NULL, NULL);
    assert_line(le, "", 0);
    assert_int_equal(line_edit_key(le, 'a'), LINE_EDIT_CHANGED);
    type(le, "bd");
    assert_line(le, "abd", 3);
    assert_int_equal(line_edit_key(le, KEY_LEFT), LINE_EDIT_HANDLED);
    type(le, "c");
    assert_line(le, "abcd", 3);
    KEYS(le, KEY_HOME);
    assert_line(le, "abcd", 0);
    KEYS(le, KEY_END);
    assert_line(le, "abcd", 4);
    KEYS(le, CTRL('A'));
    assert_line(le, "abcd", 0);
    KEYS(le, CTRL('F'), CTRL('F'));
    assert_line(le, "abcd", 2);
    KEYS(le, CTRL('B'));
    assert_line(le, "abcd", 1);
    KEYS(le, CTRL('E'));
    assert_line(le, "abcd", 4);
    KEYS(le, KEY_RIGHT);                      /* at the end: stays */
    assert_line(le, "abcd", 4);
    KEYS(le, KEY_HOME, KEY_LEFT);
    assert_line(le, "abcd", 0);
    type(le, "> ");
    assert_line(le, "> abcd", 2);
    drop_editor(le);
}

static void test_deleting(void **state)
{
    (void)state;
    line_edit *le = new_editor("one two  three", NULL);
    assert_int_equal(line_edit_key(le, KEY_BACKSPACE), LINE_EDIT_CHANGED);
    assert_line(le, "one two  thre", 13);
    KEYS(le, 127, CTRL('H'));
    assert_line(le, "one two  th", 11);
    assert_int_equal(line_edit_key(le, CTRL('W')), LINE_EDIT_CHANGED);
    assert_line(le, "one two  ", 9);
    KEYS(le, CTRL('W'));                      /* the spaces, then the word */
    assert_line(le, "one ", 4);
    KEYS(le, KEY_HOME, KEY_DC);
    assert_line(le, "ne ", 0);
    assert_int_equal(line_edit_key(le, KEY_BACKSPACE), LINE_EDIT_HANDLED);   /* nothing before */
    KEYS(le, KEY_RIGHT, CTRL('K'));
    assert_line(le, "n", 1);
    line_edit_open(le, "keep this", NULL);
    KEYS(le, KEY_LEFT, KEY_LEFT, KEY_LEFT, KEY_LEFT, CTRL('U'));
    assert_line(le, "this", 0);
    assert_int_equal(line_edit_key(le, CTRL('U')), LINE_EDIT_HANDLED);
    KEYS(le, KEY_END);
    assert_int_equal(line_edit_key(le, KEY_DC), LINE_EDIT_HANDLED);
    assert_int_equal(line_edit_key(le, CTRL('K')), LINE_EDIT_HANDLED);
    drop_editor(le);
}

static void test_enter_escape_and_other_keys(void **state)
{
    (void)state;
    line_edit *le = new_editor("q", NULL);
    assert_int_equal(line_edit_key(le, '\n'), LINE_EDIT_SUBMIT);
    assert_int_equal(line_edit_key(le, '\r'), LINE_EDIT_SUBMIT);
    assert_int_equal(line_edit_key(le, KEY_ENTER), LINE_EDIT_SUBMIT);
    assert_int_equal(line_edit_key(le, 27), LINE_EDIT_CANCEL);
    /* left to the host: Tab without a hook, Shift-Tab, Ctrl-R, F5, a resize */
    assert_int_equal(line_edit_key(le, '\t'), LINE_EDIT_IGNORED);
    assert_int_equal(line_edit_key(le, KEY_BTAB), LINE_EDIT_IGNORED);
    assert_int_equal(line_edit_key(le, CTRL('R')), LINE_EDIT_IGNORED);
    assert_int_equal(line_edit_key(le, KEY_F(5)), LINE_EDIT_IGNORED);
    assert_int_equal(line_edit_key(le, KEY_RESIZE), LINE_EDIT_IGNORED);
    assert_int_equal(line_edit_key(le, KEY_UP), LINE_EDIT_HANDLED);    /* no history */
    assert_line(le, "q", 1);
    drop_editor(le);
}

static void test_utf8(void **state)
{
    (void)state;
    line_edit *le = new_editor(NULL, NULL);
    type(le, "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x90\xB1");   /* café 日本 🐱 */
    assert_line(le, "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x90\xB1", 17);
    KEYS(le, KEY_LEFT);
    assert_int_equal(line_edit_cursor(le), 13);              /* before the emoji */
    KEYS(le, KEY_LEFT, KEY_LEFT);
    assert_int_equal(line_edit_cursor(le), 9);               /* before 本 */
    KEYS(le, KEY_BACKSPACE);                                 /* 日 goes whole */
    assert_line(le, "caf\xC3\xA9 \xE6\x9C\xAC \xF0\x9F\x90\xB1", 6);
    KEYS(le, KEY_LEFT, KEY_LEFT, KEY_DC);                    /* é goes whole */
    assert_line(le, "caf \xE6\x9C\xAC \xF0\x9F\x90\xB1", 3);
    /* typed between the bytes of nothing: a character lands whole */
    type(le, "\xC3\xBC");
    assert_line(le, "caf\xC3\xBC \xE6\x9C\xAC \xF0\x9F\x90\xB1", 5);
    drop_editor(le);
}

static void test_combining_marks_and_broken_input(void **state)
{
    (void)state;
    line_edit *le = new_editor("e\xCC\x81x", NULL);           /* e + combining acute, x */
    KEYS(le, KEY_LEFT);
    assert_int_equal(line_edit_cursor(le), 3);
    KEYS(le, KEY_LEFT);                                      /* over the e and its mark */
    assert_int_equal(line_edit_cursor(le), 0);
    KEYS(le, KEY_RIGHT);
    assert_int_equal(line_edit_cursor(le), 3);
    KEYS(le, KEY_BACKSPACE);
    assert_line(le, "x", 0);
    /* a lead byte cut short by another key, a stray continuation byte, an
     * overlong form: none of them gets in */
    KEYS(le, KEY_END, 0xC3, 'a', 0x80, 0xC0, 0x80, 0xE6, 0x97, KEY_LEFT, 0xA5);
    assert_line(le, "xa", 1);
    drop_editor(le);
}

static void test_columns_and_scrolling(void **state)
{
    (void)state;
    line_edit *le = new_editor("abcdefghij", NULL);
    line_edit_view v = line_edit_layout(le, 20);
    assert_int_equal(v.start, 0);
    assert_int_equal(v.end, 10);
    assert_int_equal(v.cursor_col, 10);
    v = line_edit_layout(le, 5);              /* the cursor's cell is the 5th */
    assert_int_equal(v.start, 6);
    assert_int_equal(v.end, 10);
    assert_int_equal(v.cursor_col, 4);
    KEYS(le, KEY_LEFT);
    v = line_edit_layout(le, 5);              /* inside the field: no scrolling */
    assert_int_equal(v.start, 6);
    assert_int_equal(v.cursor_col, 3);
    KEYS(le, KEY_HOME);
    v = line_edit_layout(le, 5);
    assert_int_equal(v.start, 0);
    assert_int_equal(v.end, 5);
    assert_int_equal(v.cursor_col, 0);
    /* wide characters take two columns and are never cut in half */
    line_edit_open(le, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
                   NULL);                     /* 日本語日本語: 12 columns */
    v = line_edit_layout(le, 20);
    assert_int_equal(v.cursor_col, 12);
    v = line_edit_layout(le, 5);
    assert_int_equal(v.start, 12);            /* two characters (4 columns) before the cursor */
    assert_int_equal(v.end, 18);
    assert_int_equal(v.cursor_col, 4);
    KEYS(le, KEY_HOME);
    v = line_edit_layout(le, 5);
    assert_int_equal(v.start, 0);
    assert_int_equal(v.end, 6);               /* 4 columns; the third would need 6 */
    assert_int_equal(v.cursor_col, 0);
    /* after a deletion that leaves the text short, it is shown from the start */
    KEYS(le, KEY_END, CTRL('U'));
    type(le, "ab");
    v = line_edit_layout(le, 5);
    assert_int_equal(v.start, 0);
    assert_int_equal(v.cursor_col, 2);
    drop_editor(le);
}

static void test_history(void **state)
{
    (void)state;
    line_edit_history h = {0};
    line_edit *le = new_editor(NULL, &h);
    type(le, "one");
    assert_int_equal(line_edit_key(le, '\n'), LINE_EDIT_SUBMIT);
    const char *answers[] = {"two", "two", ""};  /* a repeat and an empty line are not kept */
    for (size_t i = 0; i < 3; i++) {
        line_edit_open(le, answers[i], &h);
        line_edit_key(le, '\n');
    }
    assert_int_equal(h.n, 2);
    line_edit_open(le, "draft", &h);
    assert_int_equal(line_edit_key(le, KEY_UP), LINE_EDIT_CHANGED);
    assert_line(le, "two", 3);
    KEYS(le, CTRL('P'));
    assert_line(le, "one", 3);
    assert_int_equal(line_edit_key(le, KEY_UP), LINE_EDIT_HANDLED);   /* the oldest */
    KEYS(le, KEY_DOWN);
    assert_line(le, "two", 3);
    KEYS(le, CTRL('N'));
    assert_line(le, "draft", 5);              /* the line being typed comes back */
    assert_int_equal(line_edit_key(le, KEY_DOWN), LINE_EDIT_HANDLED);
    /* another prompt has its own history */
    line_edit_history other = {0};
    line_edit_open(le, NULL, &other);
    assert_int_equal(line_edit_key(le, KEY_UP), LINE_EDIT_HANDLED);
    /* the oldest entries go once the history is full */
    for (int i = 0; i < LINE_EDIT_HISTORY_MAX + 5; i++) {
        char s[16];
        snprintf(s, sizeof s, "entry %d", i);
        assert_int_equal(line_edit_history_add(&other, s), 0);
    }
    assert_int_equal(other.n, LINE_EDIT_HISTORY_MAX);
    assert_string_equal(other.items[0], "entry 5");
    assert_string_equal(other.items[other.n - 1], "entry 104");
    line_edit_history_free(&other);
    line_edit_history_free(&h);
    drop_editor(le);
}

/* A completion hook over a fixed word list: the word before the cursor. */
static long complete_words(void *ctx, line_edit *le, const char *text, size_t cursor)
{
    const char *const *words = ctx;
    size_t start = cursor;
    while (start > 0 && text[start - 1] != ' ')
        start--;
    if (start == cursor)
        return -1;
    for (size_t i = 0; words[i]; i++)
        if (!strncmp(words[i], text + start, cursor - start))
            assert_int_equal(line_edit_offer(le, words[i]), 0);
    return (long)start;
}

static void test_completion(void **state)
{
    (void)state;
    static const char *const words[] = {"alpha", "alphabet", "beta", "caf\xC3\xA9",
                                        "caf\xC3\xA8", NULL};
    line_edit *le = new_editor("x al", NULL);
    line_edit_set_completion(le, complete_words, (void *)words);
    assert_int_equal(line_edit_key(le, '\t'), LINE_EDIT_CHANGED);
    assert_line(le, "x alpha", 7);            /* the common prefix of two */
    size_t n;
    const char *const *c = line_edit_candidates(le, &n);
    assert_int_equal(n, 2);
    assert_string_equal(c[0], "alpha");
    assert_string_equal(c[1], "alphabet");
    assert_int_equal(line_edit_key(le, '\t'), LINE_EDIT_HANDLED);   /* nothing more to add */
    line_edit_candidates(le, &n);
    assert_int_equal(n, 2);
    type(le, " b");                           /* a key clears the list */
    line_edit_candidates(le, &n);
    assert_int_equal(n, 0);
    assert_int_equal(line_edit_key(le, '\t'), LINE_EDIT_CHANGED);
    assert_line(le, "x alpha beta", 12);      /* one candidate: taken whole */
    line_edit_candidates(le, &n);
    assert_int_equal(n, 0);
    type(le, " ");
    assert_int_equal(line_edit_key(le, '\t'), LINE_EDIT_HANDLED);   /* nothing to complete */
    type(le, "zz");
    assert_int_equal(line_edit_key(le, '\t'), LINE_EDIT_HANDLED);   /* no candidate */
    assert_line(le, "x alpha beta zz", 15);
    /* the common prefix of café and cafè stops before the accent's bytes */
    line_edit_open(le, "c", NULL);
    line_edit_set_completion(le, complete_words, (void *)words);
    assert_int_equal(line_edit_key(le, '\t'), LINE_EDIT_CHANGED);
    assert_line(le, "caf", 3);
    /* a completion in the middle replaces only the word up to the cursor */
    line_edit_open(le, "be tail", NULL);
    line_edit_set_completion(le, complete_words, (void *)words);
    KEYS(le, KEY_HOME, KEY_RIGHT, KEY_RIGHT, '\t');
    assert_line(le, "beta tail", 4);
    line_edit_open(le, "al", NULL);           /* a new prompt has no hook */
    assert_int_equal(line_edit_key(le, '\t'), LINE_EDIT_IGNORED);
    drop_editor(le);
}

static void test_length_limit(void **state)
{
    (void)state;
    char *big = malloc(LINE_EDIT_MAX + 8);
    assert_non_null(big);
    memset(big, 'a', LINE_EDIT_MAX - 1);
    memcpy(big + LINE_EDIT_MAX - 1, "\xC3\xA9z", 4);   /* é straddles the limit */
    line_edit *le = new_editor(big, NULL);
    assert_int_equal(strlen(line_edit_text(le)), LINE_EDIT_MAX - 1);    /* cut before é */
    assert_int_equal(line_edit_key(le, 'b'), LINE_EDIT_CHANGED);
    assert_int_equal(line_edit_key(le, 'c'), LINE_EDIT_HANDLED);        /* full */
    assert_int_equal(strlen(line_edit_text(le)), LINE_EDIT_MAX);
    KEYS(le, KEY_BACKSPACE);
    type(le, "\xC3\xA9");                                               /* two bytes: no room */
    assert_int_equal(strlen(line_edit_text(le)), LINE_EDIT_MAX - 1);
    free(big);
    drop_editor(le);
}

/* A curses screen on /dev/null, for the terminfo key codes and drawing. */
typedef struct {
    FILE *in, *out;
    SCREEN *term;
} screen_fx;

static int screen_up(void **state)
{
    screen_fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->in = fopen("/dev/null", "r");
    f->out = fopen("/dev/null", "w");
    assert_non_null(f->in);
    assert_non_null(f->out);
    f->term = newterm("xterm-256color", f->out, f->in);
    assert_non_null(f->term);
    keypad(stdscr, TRUE);
    *state = f;
    return 0;
}

static int screen_down(void **state)
{
    screen_fx *f = *state;
    endwin();
    delscreen(f->term);
    fclose(f->in);
    fclose(f->out);
    free(f);
    return 0;
}

static void test_word_motion(void **state)
{
    (void)state;
    int ctrl_left = key_defined(tigetstr("kLFT5")), ctrl_right = key_defined(tigetstr("kRIT5"));
    int alt_left = key_defined(tigetstr("kLFT3")), alt_right = key_defined(tigetstr("kRIT3"));
    assert_true(ctrl_left > 0 && ctrl_right > 0 && alt_left > 0 && alt_right > 0);
    line_edit *le = new_editor("path/to  my-file.txt", NULL);
    assert_int_equal(line_edit_key(le, ctrl_left), LINE_EDIT_HANDLED);
    assert_int_equal(line_edit_cursor(le), 17);              /* before txt */
    KEYS(le, ctrl_left);
    assert_int_equal(line_edit_cursor(le), 12);              /* before file */
    KEYS(le, alt_left, alt_left);
    assert_int_equal(line_edit_cursor(le), 5);               /* before to */
    KEYS(le, ctrl_right);
    assert_int_equal(line_edit_cursor(le), 7);               /* after to */
    KEYS(le, alt_right, alt_right, alt_right, alt_right);
    assert_int_equal(line_edit_cursor(le), 20);
    line_edit_open(le, "\xC3\xA9t\xC3\xA9 chaud", NULL);     /* été chaud */
    KEYS(le, ctrl_left, ctrl_left);
    assert_int_equal(line_edit_cursor(le), 0);
    KEYS(le, ctrl_right);
    assert_int_equal(line_edit_cursor(le), 5);
    drop_editor(le);
}

/* The characters in row Y from X on, as drawn. */
static void row_text(int y, int x, int n, char *out)
{
    for (int i = 0; i < n; i++)
        out[i] = (char)(mvwinch(stdscr, y, x + i) & A_CHARTEXT);
    out[n] = '\0';
}

static void test_draw(void **state)
{
    (void)state;
    line_edit *le = new_editor("abcdefghij", NULL);
    char got[16];
    assert_int_equal(line_edit_draw(le, stdscr, 2, 3, 5, A_NORMAL, A_REVERSE), 7);
    row_text(2, 3, 5, got);
    assert_string_equal(got, "ghij ");
    assert_true(mvwinch(stdscr, 2, 7) & A_REVERSE);          /* the cursor's cell */
    assert_false(mvwinch(stdscr, 2, 6) & A_REVERSE);
    KEYS(le, KEY_HOME, KEY_RIGHT);
    assert_int_equal(line_edit_draw(le, stdscr, 2, 3, 5, A_NORMAL, A_REVERSE), 4);
    row_text(2, 3, 5, got);
    assert_string_equal(got, "abcde");
    assert_true(mvwinch(stdscr, 2, 4) & A_REVERSE);          /* on the b */
    line_edit_open(le, "\xE6\x97\xA5\xE6\x9C\xAC", NULL);    /* 日本 */
    assert_int_equal(line_edit_draw(le, stdscr, 4, 0, 10, A_NORMAL, A_REVERSE), 4);
    drop_editor(le);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    crt_detect_utf8();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typing_and_moving),
        cmocka_unit_test(test_deleting),
        cmocka_unit_test(test_enter_escape_and_other_keys),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_combining_marks_and_broken_input),
        cmocka_unit_test(test_columns_and_scrolling),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_completion),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test_setup_teardown(test_word_motion, screen_up, screen_down),
        cmocka_unit_test_setup_teardown(test_draw, screen_up, screen_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
