/* hvoplan plan: being written (see the issue tracker); refuses until then. */
#include <stdio.h>

#include "cli.h"
#include "hv_error.h"

int cmd_plan(int argc, char **argv, struct hv_global *g)
{
	(void)argc;
	(void)argv;
	(void)g;
	fprintf(stderr, "hvoplan: 'plan' is not available in this build\n");
	return HV_EXIT_USAGE;
}
