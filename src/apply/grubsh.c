/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The GRUB defaults files as grub-mkconfig's /bin/sh reads them: split into
 * statements (quotes, escapes, substitutions and line continuations kept
 * together), and the values of plain assignments worked out for a strict
 * subset of the shell. Whatever falls outside that subset is reported as
 * unknown rather than guessed, so apply never claims a command line it
 * cannot prove. Pure: text in, values out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "hv_error.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* Metacharacters that end an unquoted word. */
static bool word_end(char c)
{
	return c == '\0' || blank(c) || c == '\n' || strchr(";&|<>()", c) != NULL;
}

struct lex {
	const char *s;
	size_t i;
	int line;
};

static void skip_until_quote(struct lex *x, char q);

/* Past a $( ... ) or ${ ... } whose opener was consumed; nested quotes and
 * substitutions are skipped as units so their brackets do not count. */
static void skip_nested(struct lex *x, char open, char close)
{
	int depth = 1;
	while (x->s[x->i] && depth > 0) {
		char c = x->s[x->i++];
		if (c == '\n')
			x->line++;
		else if (c == '\\' && x->s[x->i]) {
			if (x->s[x->i] == '\n')
				x->line++;
			x->i++;
		} else if (c == '\'' || c == '"' || c == '`')
			skip_until_quote(x, c);
		else if (c == open)
			depth++;
		else if (c == close)
			depth--;
	}
}

/* Past the closing quote (opening one consumed); to the end if there is none. */
static void skip_until_quote(struct lex *x, char q)
{
	while (x->s[x->i]) {
		char c = x->s[x->i++];
		if (c == '\n')
			x->line++;
		if (c == q)
			return;
		if (q != '\'' && c == '\\' && x->s[x->i]) {
			if (x->s[x->i] == '\n')
				x->line++;
			x->i++;
		} else if (q == '"' && c == '$' && (x->s[x->i] == '(' || x->s[x->i] == '{')) {
			char o = x->s[x->i++];
			skip_nested(x, o, o == '(' ? ')' : '}');
		} else if (q == '"' && c == '`')
			skip_until_quote(x, '`');
	}
}

static void skip_word(struct lex *x)
{
	while (!word_end(x->s[x->i])) {
		char c = x->s[x->i++];
		if (c == '\'' || c == '"' || c == '`')
			skip_until_quote(x, c);
		else if (c == '\\' && x->s[x->i]) {
			if (x->s[x->i] == '\n')
				x->line++;
			x->i++;
		} else if (c == '$' && (x->s[x->i] == '(' || x->s[x->i] == '{')) {
			char o = x->s[x->i++];
			skip_nested(x, o, o == '(' ? ')' : '}');
		}
	}
}

static bool word_is(const char *s, size_t b, size_t e, const char *w)
{
	return e - b == strlen(w) && !strncmp(s + b, w, e - b);
}

/* NAME=... : the length of NAME, or 0. */
static size_t assign_name(const char *s, size_t b, size_t e)
{
	if (b >= e || !name_start(s[b]))
		return 0;
	size_t i = b + 1;
	while (i < e && name_char(s[i]))
		i++;
	return i < e && s[i] == '=' ? i - b : 0;
}

static void finish(const char *s, struct hv_sh_stmt *st, int *depth, int *case_depth)
{
	static const char *const open[] = {"if", "case", "for", "while", "until", "select", "{", "function", NULL};
	static const char *const close[] = {"fi", "esac", "done", "}", NULL};
	static const char *const other[] = {"then", "else", "elif", "do", "!", "[[", "in", NULL};
	if (st->nwords) {
		size_t b = st->words[0].b, e = st->words[0].e;
		for (int k = 0; close[k]; k++)
			if (word_is(s, b, e, close[k])) {
				st->complex = true;
				if (*depth > 0)
					(*depth)--;
				if (k == 1 && *case_depth > 0)
					(*case_depth)--;
			}
		for (int k = 0; other[k]; k++)
			if (word_is(s, b, e, other[k]))
				st->complex = true;
		for (int w = 0; w < st->nwords; w++) {
			for (int k = 0; open[k]; k++)
				if ((w == 0 || k == 6) && word_is(s, st->words[w].b, st->words[w].e, open[k])) {
					st->complex = true;
					(*depth)++;
					if (k == 1)
						(*case_depth)++;
				}
		}
		/* a statement is simple when every word assigns (after an optional export) */
		if (!st->complex) {
			int w = word_is(s, b, e, "export") ? 1 : 0;
			st->simple = true;
			for (; w < st->nwords; w++) {
				size_t nb = st->words[w].b, ne = st->words[w].e;
				if (!assign_name(s, nb, ne) && !(w > 0 && word_is(s, b, e, "export") && nb < ne &&
								 name_start(s[nb])))
					st->simple = false;
			}
		}
	}
	st->names_cmdline = memmem(s + st->start, st->end - st->start, "GRUB_CMDLINE_LINUX", 18) != NULL;
}

int hv_sh_statements(const char *text, int (*cb)(const struct hv_sh_stmt *, void *), void *arg)
{
	struct lex x = {.s = text, .i = 0, .line = 1};
	int depth = 0, case_depth = 0;
	bool opaque = false; /* after a here-document or a syntax error: not shell we can follow */
	struct hv_sh_stmt st;
	memset(&st, 0, sizeof(st));
	st.line = 1;
	bool open_stmt = false;
	for (;;) {
		char c = text[x.i];
		if (c == '\\' && text[x.i + 1] == '\n') {
			x.i += 2;
			x.line++;
			continue;
		}
		if (blank(c)) {
			x.i++;
			continue;
		}
		if (c == '#' && !open_stmt) {
			while (text[x.i] && text[x.i] != '\n')
				x.i++;
			continue;
		}
		if (c == '#') { /* a comment after words: the statement ends at the newline */
			while (text[x.i] && text[x.i] != '\n')
				x.i++;
			continue;
		}
		if (c == '\0' || c == '\n' || c == ';') {
			/* a ; with no command before it, or ;; outside a case, is a
			 * syntax error: trust neither the statement it ends nor the rest */
			if (c == ';' && !case_depth && (!open_stmt || text[x.i + 1] == ';'))
				opaque = true;
			if (open_stmt) {
				st.last_line = x.line;
				finish(text, &st, &depth, &case_depth);
				st.nested = st.nested || depth > 0 || opaque;
				int rc = cb(&st, arg);
				if (rc < 0)
					return rc;
			}
			if (c == '\0')
				return 0;
			if (c == '\n')
				x.line++;
			x.i++;
			if (c == ';' && text[x.i] == ';')
				x.i++;
			memset(&st, 0, sizeof(st));
			st.line = x.line;
			open_stmt = false;
			continue;
		}
		if (!open_stmt) {
			open_stmt = true;
			st.start = x.i;
			st.line = x.line;
			st.nested = depth > 0 || opaque;
		}
		if (strchr("&|<>()", c)) {
			st.complex = true;
			if (c == '<' && text[x.i + 1] == '<')
				opaque = true;
			if (c == '(' && !case_depth)
				depth++;
			if (c == ')' && !case_depth) {
				if (depth > 0)
					depth--;
				else
					opaque = true; /* unbalanced: a syntax error */
			}
			x.i++;
			st.end = x.i;
			continue;
		}
		size_t b = x.i;
		skip_word(&x);
		if (st.nwords < HV_SH_MAX_WORDS) {
			st.words[st.nwords].b = b;
			st.words[st.nwords].e = x.i;
			st.nwords++;
		} else {
			st.complex = true;
		}
		st.end = x.i;
	}
}

/* ---- values ---- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, cap);
		if (!ns)
			return hv_fail(ENOMEM, "out of memory");
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static struct hv_sh_var *var_find(struct hv_grub_env *e, const char *name, size_t n)
{
	for (int i = 0; i < e->nvars; i++)
		if (strlen(e->vars[i].name) == n && !strncmp(e->vars[i].name, name, n))
			return &e->vars[i];
	return NULL;
}

enum { EV_OK = 0, EV_UNKNOWN = 1 };

/* Appends the value of the word s[i..e) (context: unquoted, or inside
 * double quotes when dq; stop at `stop` when not 0). Returns EV_UNKNOWN
 * for anything outside the subset, with *why naming it. */
static int eval_part(struct hv_grub_env *e, const char *s, size_t *ip, size_t end, bool dq, char stop,
		     struct sbuf *out, const char **why);

static int eval_dollar(struct hv_grub_env *e, const char *s, size_t *ip, size_t end, struct sbuf *out,
		       const char **why)
{
	size_t i = *ip; /* at the '$' */
	i++;
	bool braced = i < end && s[i] == '{';
	if (braced)
		i++;
	if (i >= end || !name_start(s[i])) {
		if (!braced && (i >= end || s[i] == '"' || blank(s[i]) || s[i] == '\n')) {
			*ip = i;
			return sb_add(out, "$", 1) < 0 ? -ENOMEM : EV_OK; /* a lone $ is literal */
		}
		*why = "a command substitution or special parameter";
		return EV_UNKNOWN;
	}
	size_t nb = i;
	while (i < end && name_char(s[i]))
		i++;
	struct hv_sh_var *v = var_find(e, s + nb, i - nb);
	if (v && v->unknown) {
		*why = "a variable whose value is not known";
		return EV_UNKNOWN;
	}
	const char *val = v ? v->val : "";
	bool set = v != NULL, nonempty = v && v->val[0];
	if (!braced) {
		*ip = i;
		return sb_add(out, val, strlen(val)) < 0 ? -ENOMEM : EV_OK;
	}
	if (i < end && s[i] == '}') {
		*ip = i + 1;
		return sb_add(out, val, strlen(val)) < 0 ? -ENOMEM : EV_OK;
	}
	bool colon = i < end && s[i] == ':';
	if (colon)
		i++;
	if (i >= end || (s[i] != '-' && s[i] != '+')) {
		*why = "a ${...} expansion other than :- or :+";
		return EV_UNKNOWN;
	}
	char op = s[i++];
	bool cond = colon ? nonempty : set;
	struct sbuf alt = {0};
	int rc = eval_part(e, s, &i, end, true, '}', &alt, why);
	if (rc == EV_OK && (i >= end || s[i] != '}')) {
		*why = "an unterminated ${";
		rc = EV_UNKNOWN;
	}
	if (rc == EV_OK) {
		i++;
		bool use_alt = op == '+' ? cond : !cond;
		rc = use_alt ? (alt.len ? sb_add(out, alt.s, alt.len) : 0) : sb_add(out, val, strlen(val));
		if (rc < 0)
			rc = -ENOMEM;
	}
	free(alt.s);
	*ip = i;
	return rc;
}

static int eval_part(struct hv_grub_env *e, const char *s, size_t *ip, size_t end, bool dq, char stop,
		     struct sbuf *out, const char **why)
{
	size_t i = *ip;
	int rc = EV_OK;
	while (i < end && rc == EV_OK) {
		char c = s[i];
		if (stop && c == stop)
			break;
		if (dq && c == '"')
			break;
		if (c == '`' || (!dq && c == '~')) {
			*why = c == '`' ? "a command substitution" : "a tilde expansion";
			return EV_UNKNOWN;
		}
		if (c == '$') {
			*ip = i;
			rc = eval_dollar(e, s, ip, end, out, why);
			i = *ip;
			continue;
		}
		if (c == '\\') {
			if (i + 1 >= end) {
				*why = "a trailing backslash";
				return EV_UNKNOWN;
			}
			char n = s[i + 1];
			i += 2;
			if (n == '\n')
				continue;
			if (dq && !strchr("$`\"\\", n) && sb_add(out, "\\", 1) < 0)
				return -ENOMEM;
			if (sb_add(out, &n, 1) < 0)
				return -ENOMEM;
			continue;
		}
		if (stop && (c == '"' || c == '\'')) {
			*why = "quotes inside ${...}";
			return EV_UNKNOWN;
		}
		if (!dq && c == '\'') {
			const char *q = memchr(s + i + 1, '\'', end - i - 1);
			if (!q) {
				*why = "an unterminated quote";
				return EV_UNKNOWN;
			}
			if (sb_add(out, s + i + 1, (size_t)(q - s) - i - 1) < 0)
				return -ENOMEM;
			i = (size_t)(q - s) + 1;
			continue;
		}
		if (!dq && c == '"') {
			i++;
			rc = eval_part(e, s, &i, end, true, 0, out, why);
			if (rc != EV_OK)
				return rc;
			if (i >= end || s[i] != '"') {
				*why = "an unterminated quote";
				return EV_UNKNOWN;
			}
			i++;
			continue;
		}
		if (sb_add(out, &c, 1) < 0)
			return -ENOMEM;
		i++;
	}
	*ip = i;
	return rc;
}

static int var_set(struct hv_grub_env *e, const char *name, size_t n, char *val, const char *where)
{
	struct hv_sh_var *v = var_find(e, name, n);
	if (!v) {
		if (e->nvars >= HV_SH_MAX_VARS) {
			free(val);
			return hv_fail(E2BIG, "%s: more than %d shell variables", where, HV_SH_MAX_VARS);
		}
		v = &e->vars[e->nvars++];
		memset(v, 0, sizeof(*v));
		snprintf(v->name, sizeof(v->name), "%.*s", (int)n, name);
	}
	free(v->val);
	v->val = val ? val : strdup("");
	v->unknown = val == NULL;
	snprintf(v->where, sizeof(v->where), "%s", where);
	return v->val ? 0 : hv_fail(ENOMEM, "out of memory");
}

struct source_ctx {
	struct hv_grub_env *e;
	const char *rel, *text;
	hv_grub_step_fn cb;
	void *arg;
};

static void mark_cmdline_unknown(struct source_ctx *c, const struct hv_sh_stmt *st, const char *why)
{
	char where[300];
	snprintf(where, sizeof(where), "/%s:%d: %s", c->rel, st->line, why);
	static const char *const names[] = {"GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT"};
	for (int k = 0; k < 2; k++)
		var_set(c->e, names[k], strlen(names[k]), NULL, where);
}

static int source_stmt(const struct hv_sh_stmt *st, void *arg)
{
	struct source_ctx *c = arg;
	const char *s = c->text;
	if (!st->simple || st->nested) {
		/* `. file`, `source` and `eval` may set anything */
		bool sources = st->nwords && (word_is(s, st->words[0].b, st->words[0].e, ".") ||
					      word_is(s, st->words[0].b, st->words[0].e, "source") ||
					      word_is(s, st->words[0].b, st->words[0].e, "eval"));
		if (st->names_cmdline || sources)
			mark_cmdline_unknown(c, st, sources ? "sources or evaluates other shell code"
							    : st->nested ? "an assignment inside an if, case, loop, function or subshell"
									 : "shell beyond plain assignments");
		/* variables assigned conditionally are no longer known */
		for (int w = 0; w < st->nwords; w++) {
			size_t n = assign_name(s, st->words[w].b, st->words[w].e);
			if (n) {
				char where[300];
				snprintf(where, sizeof(where), "/%s:%d: a conditional or command-prefix assignment", c->rel,
					 st->line);
				int rc = var_set(c->e, s + st->words[w].b, n, NULL, where);
				if (rc < 0)
					return rc;
			}
		}
		return 0;
	}
	for (int w = 0; w < st->nwords; w++) {
		size_t b = st->words[w].b, e = st->words[w].e, n = assign_name(s, b, e);
		if (!n)
			continue; /* export NAME */
		size_t i = b + n + 1;
		struct sbuf out = {0};
		const char *why = NULL;
		int rc = eval_part(c->e, s, &i, e, false, 0, &out, &why);
		if (rc < 0) {
			free(out.s);
			return rc;
		}
		if (rc == EV_OK && !out.s)
			out.s = strdup("");
		if (rc == EV_OK && !out.s)
			return hv_fail(ENOMEM, "out of memory");
		char where[300];
		snprintf(where, sizeof(where), "/%s:%d: %s", c->rel, st->line, why ? why : "");
		bool cmdline = (n == 18 || n == 26) && !strncmp(s + b, "GRUB_CMDLINE_LINUX", 18) &&
			       (n == 18 || !strncmp(s + b + 18, "_DEFAULT", 8));
		char *old = NULL;
		if (cmdline && rc == EV_OK) {
			struct hv_sh_var *v = var_find(c->e, s + b, n);
			old = strdup(v && !v->unknown ? v->val : "");
			if (!old) {
				free(out.s);
				return hv_fail(ENOMEM, "out of memory");
			}
		}
		char *val = rc == EV_OK ? out.s : NULL;
		if (rc != EV_OK)
			free(out.s);
		if ((rc = var_set(c->e, s + b, n, val, where)) < 0) {
			free(old);
			return rc;
		}
		if (cmdline && old && c->cb) {
			char vname[32];
			snprintf(vname, sizeof(vname), "%.*s", (int)n, s + b);
			struct hv_sh_var *v = var_find(c->e, s + b, n);
			rc = c->cb(c->arg, c->rel, st->line, vname, old, v->val);
		}
		free(old);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int hv_grub_env_source(struct hv_grub_env *e, const char *rel, const char *text, hv_grub_step_fn cb, void *arg)
{
	struct source_ctx c = {.e = e, .rel = rel, .text = text, .cb = cb, .arg = arg};
	return hv_sh_statements(text, source_stmt, &c);
}

int hv_grub_env_get(const struct hv_grub_env *e, const char *name, const char **val)
{
	for (int i = 0; i < e->nvars; i++)
		if (!strcmp(e->vars[i].name, name)) {
			if (e->vars[i].unknown)
				return hv_fail(ENOTSUP, "%s", e->vars[i].where);
			*val = e->vars[i].val;
			return 0;
		}
	*val = "";
	return 0;
}

void hv_grub_env_free(struct hv_grub_env *e)
{
	for (int i = 0; i < e->nvars; i++)
		free(e->vars[i].val);
	e->nvars = 0;
}

char *hv_sh_word_value(const char *s, size_t b, size_t e)
{
	struct hv_grub_env *env = calloc(1, sizeof(*env));
	if (!env)
		return NULL;
	struct sbuf out = {0};
	const char *why = NULL;
	size_t i = b;
	int rc = eval_part(env, s, &i, e, false, 0, &out, &why);
	free(env);
	if (rc != EV_OK || i != e) {
		free(out.s);
		return NULL;
	}
	return out.s ? out.s : strdup("");
}
