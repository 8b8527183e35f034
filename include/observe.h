/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One consistent reading of a host for the commands (src/cmd/observe.c). */
#ifndef HV_OBSERVE_H
#define HV_OBSERVE_H

#include "model.h"
#include "probe.h"

/* hv_probe_host() and hv_model_report(); on a live host whose memmap
 * counters show more freed than the pools explain, pools and counters are
 * read again every 100 ms for up to 3 s until they agree; if they kept
 * moving, h->counters_moving is set and the report says why. */
int hv_observe(const struct hv_root *root, struct hv_host *h, const struct hv_model_opts *mo, struct hv_report *r);

#endif
