/* core/error.c: storage for the last error (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char error_message[1024];
static _Thread_local char error_source[256];
static _Thread_local int error_code;

int srm_error_set(int code, const char *src_file, int src_line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_message, sizeof error_message, fmt, ap);
    va_end(ap);
    snprintf(error_source, sizeof error_source, "%s:%d", src_file, src_line);
    error_code = code;
    return code;
}

const char *srm_error_message(void) { return error_message; }
const char *srm_error_source(void) { return error_source; }
int srm_error_code(void) { return error_code; }

void srm_error_clear(void)
{
    error_message[0] = '\0';
    error_source[0] = '\0';
    error_code = SRM_OK;
}

int srm_error_exit_status(int code)
{
    return code == SRM_EINVAL ? 2 : code == SRM_EDIVERGED ? 3 : 1;
}
