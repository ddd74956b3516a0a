/* core/error.h: the one error path of srm.
 *
 * Library code never prints or exits. A failing function calls SRM_ERROR, which records the
 * message together with the source file and line, and returns the error code to its caller;
 * callers propagate the code (SRM_TRY) after freeing what they half built. Only the CLI prints
 * the message (one line) and turns the code into an exit status. */
#ifndef SRM_ERROR_H
#define SRM_ERROR_H

enum {
    SRM_OK = 0,
    SRM_EINVAL = 2,  /* bad input: usage, argument, file contents (exit status 2) */
    SRM_EIO = 3,     /* a file could not be opened, read or written */
    SRM_ENOMEM = 4,  /* allocation failed */
    SRM_ENUMERIC = 5, /* a numerical routine failed (LAPACK info != 0, no convergence) */
    SRM_NO = 6,       /* not an error: a verdict command answered "no" after printing its
                         report (exit status 1, no message) */
    SRM_EDIVERGED = 7 /* training diverged: non-finite values, or the loss grew past the
                         divergence factor (exit status 3) */
};

/* Records the error and returns `code`. `fmt` is printf-style; for input files the message
 * should start with "PATH:LINE: ". */
int srm_error_set(int code, const char *src_file, int src_line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define SRM_ERROR(code, ...) srm_error_set((code), __FILE__, __LINE__, __VA_ARGS__)

const char *srm_error_message(void); /* last recorded message ("" if none) */
const char *srm_error_source(void);  /* "file.c:123" of the last SRM_ERROR */
int srm_error_code(void);
void srm_error_clear(void);

/* Exit status for an error code: 2 for SRM_EINVAL, 3 for SRM_EDIVERGED, 1 otherwise. */
int srm_error_exit_status(int code);

#define SRM_TRY(expr)                                                                       \
    do {                                                                                    \
        int srm_try_rc_ = (expr);                                                           \
        if (srm_try_rc_ != SRM_OK) return srm_try_rc_;                                      \
    } while (0)

#endif
