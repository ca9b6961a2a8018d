/* chat_input.c - readline inside the Chat pane (chat_input.h). readline's
 * hooks take no context, so the state is the process's. Readline never
 * sees the terminal: no terminal preparation, its streams are /dev/null
 * (a bell or a completion listing it would print goes nowhere), it catches
 * no signals and leaves LINES and COLUMNS alone for curses. */
#include "config.h"

#include "chat_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include "bytebuf.h"
#include "chat_rl.h"
#include "grow.h"
#include "text.h"
#include "theme.h"

static struct {
    unsigned char q[64];        /* bytes for readline's getc hook, from q[0] */
    size_t head, n;
    unsigned char mb[4];        /* a UTF-8 character arriving byte by byte */
    size_t n_mb, want_mb;
    char **cands;               /* the last completion listing */
    size_t n_cands;
    chat_input_line_fn fn;
    void *ctx;
    FILE *null_in, *null_out;
} in;

/* ---------------------------------------------------------------- readline's hooks */
/* Readline is only asked for a key while bytes wait (chat_input_key), and
 * reads further ones only when the available hook says so. */
static int getc_hook(FILE *f)
{
    (void)f;
    if (!in.n)
        return EOF;
    in.n--;
    return in.q[in.head++];
}

static int available_hook(void)
{
    return in.n > 0;
}

/* The pane draws rl_display_prompt, rl_line_buffer and rl_point each frame. */
static void redisplay_hook(void)
{
}

static void free_cands(void)
{
    for (size_t i = 0; i < in.n_cands; i++)
        free(in.cands[i]);
    free(in.cands);
    in.cands = NULL;
    in.n_cands = 0;
}

/* MATCHES[1..N] are the candidates (MATCHES[0] is what they share). */
static void list_hook(char **matches, int n, int max)
{
    (void)max;
    free_cands();
    if (n <= 0 || !(in.cands = calloc((size_t)n, sizeof *in.cands)))
        return;
    for (int i = 0; i < n; i++)
        if ((in.cands[in.n_cands] = strdup(matches[i + 1])))
            in.n_cands++;
}

static void on_line(char *line)
{
    if (!line)
        chat_rl_drop();
    char *text = line ? chat_rl_take(line) : NULL;
    rl_set_prompt(chat_rl_prompt());
    if (text || !line)
        in.fn(in.ctx, text);
}

/* ---------------------------------------------------------------- keys */
/* The sequences readline knows the keys by, bound when ~/.inputrc has not. */
static const struct {
    int key;
    const char *seq;
    rl_command_func_t *fn;
} keyseqs[] = {
    {KEY_UP, "\033[A", rl_get_previous_history}, {KEY_DOWN, "\033[B", rl_get_next_history},
    {KEY_RIGHT, "\033[C", rl_forward_char},      {KEY_LEFT, "\033[D", rl_backward_char},
    {KEY_HOME, "\033[H", rl_beg_of_line},        {KEY_END, "\033[F", rl_end_of_line},
    {KEY_DC, "\033[3~", rl_delete},              {KEY_IC, "\033[2~", rl_overwrite_mode},
    {KEY_BACKSPACE, "\177", NULL},               {KEY_ENTER, "\r", NULL},
};
#define N_KEYSEQS (sizeof keyseqs / sizeof keyseqs[0])

int chat_input_open(chat_input_line_fn fn, void *ctx, char *err, size_t errlen)
{
    in.fn = fn;
    in.ctx = ctx;
    int rc = chat_rl_open(err, errlen);
    if (!in.null_in)
        in.null_in = fopen("/dev/null", "r");
    if (!in.null_out)
        in.null_out = fopen("/dev/null", "w");
    rl_instream = in.null_in;
    rl_outstream = in.null_out;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_prep_term_function = NULL;
    rl_deprep_term_function = NULL;
    rl_getc_function = getc_hook;
    rl_input_available_hook = available_hook;
    rl_redisplay_function = redisplay_hook;
    rl_completion_display_matches_hook = list_hook;
    rl_callback_handler_install(chat_rl_prompt(), on_line);  /* reads ~/.inputrc */
    rl_variable_bind("bell-style", "none");
    for (size_t i = 0; i < N_KEYSEQS; i++)
        if (keyseqs[i].fn)
            rl_bind_keyseq_if_unbound(keyseqs[i].seq, keyseqs[i].fn);
    return rc;
}

void chat_input_close(void)
{
    rl_callback_handler_remove();
    chat_rl_close();
    free_cands();
    if (in.null_in)
        fclose(in.null_in);
    if (in.null_out)
        fclose(in.null_out);
    rl_instream = rl_outstream = NULL;
    memset(&in, 0, sizeof in);
}

static void feed(const void *bytes, size_t n)
{
    if (!n)
        return;
    free_cands();
    in.head = 0;
    memcpy(in.q, bytes, n);
    in.n = n;
    while (in.n)
        rl_callback_read_char();
}

static void feed_mb(void)
{
    feed(in.mb, in.n_mb);
    in.n_mb = 0;
}

/* The bytes of a UTF-8 character go to readline together; a broken one as
 * it came (readline shows what it cannot decode). */
static void utf8_byte(unsigned char c)
{
    bool cont = (c & 0xC0) == 0x80;
    if (in.n_mb && !cont)
        feed_mb();
    if (!in.n_mb)
        in.want_mb = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    in.mb[in.n_mb++] = c;
    if (in.n_mb >= in.want_mb)
        feed_mb();
}

bool chat_input_key(int key)
{
    for (size_t i = 0; i < N_KEYSEQS; i++)
        if (keyseqs[i].key == key) {
            feed_mb();
            feed(keyseqs[i].seq, strlen(keyseqs[i].seq));
            return true;
        }
    if (key < 0 || key > 0xFF)
        return false;
    if (key >= 0x80) {
        utf8_byte((unsigned char)key);
    } else {
        unsigned char c = (unsigned char)key;
        feed_mb();
        feed(&c, 1);
    }
    return true;
}

bool chat_input_empty(void)
{
    return rl_end == 0 && !chat_rl_continued() && !in.n_mb &&
           !RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH | RL_STATE_MULTIKEY |
                       RL_STATE_NUMERICARG);
}

void chat_input_clear(void)
{
    rl_callback_sigcleanup();
    rl_free_line_state();
    chat_rl_drop();
    in.n_mb = in.n = 0;
    free_cands();
    rl_callback_handler_install(chat_rl_prompt(), on_line); /* history from the end */
}

const char *const *chat_input_candidates(size_t *n)
{
    *n = in.n_cands;
    return (const char *const *)in.cands;
}

/* ---------------------------------------------------------------- drawing */
/* The prompt and the line cut into rows of WIDTH columns: row r is bytes
 * [start[r], start[r + 1]) of the text; the cursor sits at (crow, ccol). */
typedef struct {
    bytebuf text;
    size_t plen;                /* the prompt's bytes */
    size_t *start;
    size_t n_rows, cap;
    int crow, ccol;
} layout;

static bool add_row(layout *l, size_t at)
{
    size_t *s = grow_array(l->start, &l->cap, l->n_rows + 2, sizeof *s, 8);
    if (!s)
        return false;
    l->start = s;
    s[l->n_rows++] = at;
    s[l->n_rows] = at;
    return true;
}

static int lay_out(layout *l, int width)
{
    const char *p = rl_display_prompt ? rl_display_prompt : "";
    *l = (layout){.plen = strlen(p)};
    bytebuf_put(&l->text, p, l->plen);
    bytebuf_put(&l->text, rl_line_buffer ? rl_line_buffer : "", rl_line_buffer ? (size_t)rl_end : 0);
    size_t point = l->plen + (size_t)rl_point, n = l->text.len;
    if (l->text.oom || !add_row(l, 0))
        return -1;
    int col = 0;
    for (size_t i = 0; i <= n;) {
        size_t len = 1;
        int cw = i < n ? text_char_width(l->text.p + i, n - i, &len) : 1;
        if (col + cw > width && col > 0) {
            if (!add_row(l, i))
                return -1;
            col = 0;
        }
        if (i == point) {
            l->crow = (int)l->n_rows - 1;
            l->ccol = col;
        }
        if (i == n)
            break;
        col += cw;
        i += len;
        l->start[l->n_rows] = i;
    }
    return 0;
}

static void layout_free(layout *l)
{
    bytebuf_free(&l->text);
    free(l->start);
}

int chat_input_rows(int width, int max_rows)
{
    layout l;
    int rows = lay_out(&l, width) ? 1 : (int)l.n_rows;
    layout_free(&l);
    return rows < max_rows ? rows : max_rows;
}

/* Row R of the layout at (Y, X): the prompt's part in the accent role. */
static void draw_row(WINDOW *w, int y, int x, int width, const layout *l, size_t r)
{
    size_t a = l->start[r], b = l->start[r + 1];
    char buf[1024];
    int used = 0;
    for (int part = 0; part < 2; part++) {
        size_t from = part ? (a > l->plen ? a : l->plen) : a;
        size_t to = part ? b : (b < l->plen ? b : l->plen);
        if (to <= from)
            continue;
        size_t len = to - from < sizeof buf ? to - from : sizeof buf - 1;
        memcpy(buf, l->text.p + from, len);
        buf[len] = '\0';
        attr_t attr = part ? theme_attr(THEME_TEXT) : theme_attr(THEME_ACCENT) | A_BOLD;
        used += text_put(w, y, x + used, width - used, attr, buf);
    }
}

void chat_input_draw(WINDOW *w, int y, int x, int width, int rows, int *cy, int *cx)
{
    layout l;
    *cy = y;
    *cx = x;
    if (lay_out(&l, width) == 0) {
        size_t first = l.crow >= rows ? (size_t)(l.crow - rows + 1) : 0;
        for (size_t r = first; r < l.n_rows && r < first + (size_t)rows; r++)
            draw_row(w, y + (int)(r - first), x, width, &l, r);
        *cy = y + l.crow - (int)first;
        *cx = x + l.ccol;
    }
    layout_free(&l);
}
