/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* err.c: messages and names for the GS_E* codes declared in err.h. */
#include "err.h"

const char *
gs_strerror(int err)
{
	switch (err) {
#define GS_ERR_MSG(name, code, msg) case code: return msg;
	GS_ERRORS(GS_ERR_MSG)
#undef GS_ERR_MSG
	}
	return "unknown error";
}

const char *
gs_errname(int err)
{
	switch (err) {
#define GS_ERR_NAME(name, code, msg) case code: return #name;
	GS_ERRORS(GS_ERR_NAME)
#undef GS_ERR_NAME
	}
	return "UNKNOWN";
}
