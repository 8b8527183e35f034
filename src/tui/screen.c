/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The interactive screen (ncursesw). One exit path: endwin() runs whether
 * the user quits, a signal arrives (the handler only sets a flag) or a
 * refresh fails.
 *
 * ncursesw is opened here with dlopen, as systemd opens its optional
 * libraries: only the interactive screen needs it, and linking it made every
 * report, --version and `top -b` pay for loading it (and libtinfo). The
 * header gives the types and constants; every call goes through nc, a table
 * resolved once from the soname. */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dl.h"
#include "hv_error.h"
#include "tui.h"

#ifndef HV_NCURSES_SONAME
#define HV_NCURSES_SONAME "libncursesw.so.6"
#endif

/* The functions (not the macros of the same names) and the three globals
 * the screen uses. Members are p_NAME: curses.h defines many NAMEs as
 * function-like macros. */
#define HV_NC_FUNCS(X)                                                                                                 \
	X(newterm) X(delscreen) X(endwin) X(cbreak) X(noecho) X(echo) X(keypad) X(curs_set) X(has_colors)             \
	X(start_color) X(use_default_colors) X(init_pair) X(werase) X(wattrset) X(mvwaddnstr) X(waddnstr) X(wrefresh) \
	X(wmove) X(wclrtoeol) X(wgetnstr) X(wtimeout) X(wgetch)
static struct {
#define HV_NC_MEMBER(name) __typeof__(name) *p_##name;
	HV_NC_FUNCS(HV_NC_MEMBER)
	WINDOW **p_stdscr;
	int *p_LINES, *p_COLS;
} nc;

/* The library and every symbol, or a message naming what is missing. */
static int load_ncurses(void)
{
	static void *lib;
	static const struct hv_dlsym syms[] = {
#define HV_NC_SYM(name) HV_DLSYM(nc, name),
		HV_NC_FUNCS(HV_NC_SYM) HV_DLSYM(nc, stdscr),
		HV_DLSYM(nc, LINES),
		HV_DLSYM(nc, COLS),
	};
	int rc = hv_dlopen(HV_NCURSES_SONAME, "libncursesw6", &lib, syms, sizeof(syms) / sizeof(syms[0]));
	if (rc < 0) /* the screen needs it; batch output does not */
		return hv_fail(-rc, "%s; use -b for batch output", hv_last_error());
	return 0;
}

#define SCR (*nc.p_stdscr)
#define NLINES (*nc.p_LINES)
#define NCOLS (*nc.p_COLS)

static chtype attr_of[HV_A_N];

static void setup_attrs(bool color)
{
	attr_of[HV_A_NORMAL] = A_NORMAL;
	attr_of[HV_A_TITLE] = A_BOLD;
	attr_of[HV_A_HEADER] = A_REVERSE;
	attr_of[HV_A_CHANGED] = A_BOLD | A_UNDERLINE;
	attr_of[HV_A_WARN] = A_BOLD;
	attr_of[HV_A_ERROR] = A_BOLD;
	attr_of[HV_A_DIM] = A_DIM;
	attr_of[HV_A_BAR] = A_NORMAL;
	if (!color || !nc.p_has_colors() || nc.p_start_color() == ERR)
		return;
	nc.p_use_default_colors();
	nc.p_init_pair(1, COLOR_YELLOW, -1);
	nc.p_init_pair(2, COLOR_RED, -1);
	nc.p_init_pair(3, COLOR_GREEN, -1);
	nc.p_init_pair(4, COLOR_CYAN, -1);
	attr_of[HV_A_CHANGED] = A_BOLD | COLOR_PAIR(1);
	attr_of[HV_A_WARN] = COLOR_PAIR(1);
	attr_of[HV_A_ERROR] = A_BOLD | COLOR_PAIR(2);
	attr_of[HV_A_BAR] = COLOR_PAIR(3);
	attr_of[HV_A_TITLE] = A_BOLD | COLOR_PAIR(4);
}

static void draw(const struct hv_frame *f, const char *status)
{
	nc.p_werase(SCR);
	int rows = NLINES - (status ? 1 : 0);
	/* Lines below the screen are said to exist, not silently lost. */
	bool more = f->n > rows && rows > 0;
	if (more)
		rows--;
	for (int i = 0; i < f->n && i < rows; i++) {
		const struct hv_fline *l = &f->lines[i];
		int width = l->len < NCOLS ? l->len : NCOLS;
		for (int j = 0; j < width;) {
			int k = j;
			while (k < width && l->attr[k] == l->attr[j])
				k++;
			nc.p_wattrset(SCR, attr_of[l->attr[j] < HV_A_N ? l->attr[j] : 0]);
			nc.p_mvwaddnstr(SCR, i, j, l->text + j, k - j);
			j = k;
		}
	}
	if (more) {
		char buf[96];
		snprintf(buf, sizeof(buf), "-- %d more lines below --", f->n - rows);
		if ((int)strlen(buf) > NCOLS && NCOLS > 0)
			buf[NCOLS - 1] = '>', buf[NCOLS] = '\0';
		nc.p_wattrset(SCR, A_DIM);
		nc.p_mvwaddnstr(SCR, rows, 0, buf, NCOLS);
	}
	nc.p_wattrset(SCR, A_NORMAL);
	if (status) {
		/* a status longer than the screen ends in the cut mark, like any text */
		char buf[192];
		snprintf(buf, sizeof(buf), "%s", status);
		if ((int)strlen(buf) > NCOLS && NCOLS > 0 && NCOLS < (int)sizeof(buf))
			buf[NCOLS - 1] = '>', buf[NCOLS] = '\0';
		nc.p_mvwaddnstr(SCR, NLINES - 1, 0, buf, NCOLS);
	}
	nc.p_wrefresh(SCR);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 'd': read a new delay on the last line. */
static void ask_delay(struct hv_top *t, char *status, size_t cap)
{
	char buf[32] = "";
	nc.p_wmove(SCR, NLINES - 1, 0);
	nc.p_wclrtoeol(SCR);
	nc.p_wattrset(SCR, A_BOLD);
	nc.p_waddnstr(SCR, "Delay in seconds: ", -1);
	nc.p_wattrset(SCR, A_NORMAL);
	nc.p_echo();
	nc.p_curs_set(1);
	nc.p_wtimeout(SCR, -1);
	nc.p_wgetnstr(SCR, buf, sizeof(buf) - 1);
	nc.p_noecho();
	nc.p_curs_set(0);
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	if (!buf[0])
		status[0] = '\0';
	else if (errno || end == buf || *end || !(d >= 0.1 && d <= 86400))
		snprintf(status, cap, "delay '%.20s' not changed: give seconds from 0.1 to 86400", buf);
	else {
		t->view.delay = d;
		snprintf(status, cap, "delay %.1fs", d);
	}
}

/* Acts on one key; returns true for quit. *refresh_now asks for new figures
 * at once (a view that needs what the last read skipped), *next is the
 * time of the next read. */
static bool handle_key(struct hv_top *t, int ch, char *status, size_t cap, double *next, bool *refresh_now)
{
	status[0] = '\0';
	switch (ch) {
	case 'q': return true;
	case 'h': case '?': t->view.help = true; break;
	case 'n': t->view.nodes = !t->view.nodes; break;
	case 'p':
		t->view.procs = !t->view.procs;
		*refresh_now = t->view.procs; /* read them now, not in a delay */
		break;
	case 's':
		t->view.sort = (enum hv_proc_sort)((t->view.sort + 1) % HV_PSORT_N);
		hv_procs_sort(&t->procs, t->view.sort);
		snprintf(status, cap, "sort by %s", hv_proc_sort_name(t->view.sort));
		break;
	case 'm':
		t->view.smaps = !t->view.smaps;
		*refresh_now = t->view.smaps;
		snprintf(status, cap, "smaps split %s", t->view.smaps ? "on (costly on big processes)" : "off");
		break;
	case 'u':
		t->view.units = (enum hv_units)((t->view.units + 1) % HV_UNITS_N);
		break;
	case 'd': ask_delay(t, status, cap); *next = now_s() + t->view.delay; break;
	case ' ': *refresh_now = true; break;
	case KEY_RESIZE: break; /* ncurses updated LINES and COLS; redraw */
	default:
		snprintf(status, cap, "unknown key; h for help");
		break;
	}
	return false;
}

int hv_top_screen(struct hv_top *t)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return hv_fail(ENOTTY, "top needs a terminal; use -b for batch output");
	int lrc = load_ncurses();
	if (lrc < 0)
		return lrc;
	SCREEN *scr = nc.p_newterm(NULL, stdout, stdin);
	if (!scr)
		return hv_fail(ENOTTY, "cannot initialize the terminal '%s'; use -b for batch output",
			       getenv("TERM") ? getenv("TERM") : "(TERM unset)");
	nc.p_cbreak();
	nc.p_noecho();
	nc.p_keypad(SCR, TRUE);
	nc.p_curs_set(0);
	setup_attrs(t->color);
	t->view.interactive = true;

	struct hv_frame f = {0};
	char status[160] = "";
	int rc = 0;
	long frames = 1;
	double next = now_s() + t->view.delay;
	bool dirty = true;
	while (!hv_top_stop) {
		if (dirty) {
			t->view.width = NCOLS;
			if ((rc = hv_top_frame(t, &f)) < 0)
				break;
			draw(&f, status[0] ? status : NULL);
			dirty = false;
		}
		double left = next - now_s();
		nc.p_wtimeout(SCR, left > 0 ? (int)(left * 1000) + 1 : 0);
		int ch = nc.p_wgetch(SCR);
		if (hv_top_stop)
			break;
		bool refresh_now = false;
		if (ch == ERR) {
			if (now_s() < next)
				continue;
			refresh_now = true;
		} else if (t->view.help && ch != KEY_RESIZE && ch != 'q') {
			t->view.help = false;
			dirty = true;
			continue;
		} else {
			if (handle_key(t, ch, status, sizeof(status), &next, &refresh_now))
				break;
			dirty = true;
		}
		if (refresh_now) {
			if (t->iterations > 0 && frames >= t->iterations)
				break;
			if ((rc = hv_top_refresh(t)) < 0)
				break;
			frames++;
			next = now_s() + t->view.delay;
			dirty = true;
		}
	}
	nc.p_endwin();
	nc.p_delscreen(scr);
	hv_frame_free(&f);
	return rc;
}
