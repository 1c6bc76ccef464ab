// SPDX-License-Identifier: GPL-2.0-only
/* zfwctl call METHOD [JSON]: any method, raw reply on stdout. */
#include <stdio.h>
#include <string.h>

#include "zfwctl.h"
#include "zfwd_api.h"

int cmd_call(struct ctl *ctl, int argc, char **argv)
{
	json_error_t jerr;
	json_t *params = NULL, *out;
	const char *method;
	bool json = ctl->json;
	int ret;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: zfwctl call METHOD [JSON-PARAMETERS|-]\n");
		return EXIT_USAGE;
	}
	method = argv[1];
	/* Short names belong to zfwd's interface. */
	if (!strchr(method, '.')) {
		static char full[256];

		snprintf(full, sizeof(full), "%s.%s", ZFWD_INTERFACE, method);
		method = full;
	}
	if (argc == 3) {
		/* "-": the parameters come on stdin (they may exceed what a
		 * command line can carry). */
		params = strcmp(argv[2], "-") ? json_loads(argv[2], 0, &jerr)
					      : json_loadf(stdin, 0, &jerr);
		if (!json_is_object(params)) {
			fprintf(stderr, "zfwctl: parameters must be a JSON object: %s\n",
				params ? "not an object" : jerr.text);
			json_decref(params);
			return EXIT_USAGE;
		}
	}
	ctl->json = true; /* the raw reply is the output */
	ret = ctl_call(ctl, method, params ? params : json_object(), &out);
	ctl->json = json;
	if (ret == EXIT_DAEMON && !json)
		return ret;
	json_decref(out);
	return ret;
}
