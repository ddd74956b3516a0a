/* core/dtype.c: the floating dtypes of safetensors files (core/safetensors.h): widening to
 * double (exact), rounding a double to nearest (ties to even) and stepping toward zero by one
 * unit in the last place. F16 is IEEE binary16 (gcc's _Float16, whose conversions from double
 * are correctly rounded); BF16 is the top half of a binary32. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/safetensors.h"

static const char *const names[] = {"F64", "F32", "F16", "BF16", "other"};

const char *srm_dtype_name(srm_dtype dtype) { return names[dtype]; }

static double from_f16(uint16_t bits)
{
    _Float16 h;
    memcpy(&h, &bits, 2);
    return (double)h;
}

static uint16_t to_f16(double x)
{
    _Float16 h = (_Float16)x;
    uint16_t bits;
    memcpy(&bits, &h, 2);
    return bits;
}

static double from_bf16(uint16_t bits)
{
    uint32_t u = (uint32_t)bits << 16;
    float f;
    memcpy(&f, &u, 4);
    return (double)f;
}

/* Nearest BF16 to x, ties to even. Rounding through float first could round twice, so the
 * float's nearest BF16 and its two neighbours are compared with x itself. */
static uint16_t to_bf16(double x)
{
    float f = (float)x;
    uint32_t u;
    memcpy(&u, &f, 4);
    if (isnan(x)) return 0x7fc0;
    uint32_t sign = u & 0x80000000u, mag = u & 0x7fffffffu;
    uint32_t m = (mag + 0x7fffu + ((mag >> 16) & 1u)) >> 16; /* float's nearest, magnitude */
    if (m > 0x7f80u) m = 0x7f80u;
    uint16_t best = (uint16_t)m;
    double best_err = INFINITY;
    for (int d = -1; d <= 1; d++) {
        int64_t c = (int64_t)m + d;
        if (c < 0 || c > 0x7f80) continue;
        double v = from_bf16((uint16_t)((sign >> 16) | (uint32_t)c));
        double err = fabs(v - x);
        if (err < best_err || (err == best_err && (c & 1) == 0)) {
            best_err = err;
            best = (uint16_t)c;
        }
    }
    return (uint16_t)((sign >> 16) | best);
}

double srm_dtype_decode(srm_dtype dtype, const unsigned char *src, size_t i)
{
    uint16_t b16;
    switch (dtype) {
    case SRM_DTYPE_F64: {
        double v;
        memcpy(&v, src + 8 * i, 8);
        return v;
    }
    case SRM_DTYPE_F32: {
        float v;
        memcpy(&v, src + 4 * i, 4);
        return v;
    }
    case SRM_DTYPE_F16:
        memcpy(&b16, src + 2 * i, 2);
        return from_f16(b16);
    case SRM_DTYPE_BF16:
        memcpy(&b16, src + 2 * i, 2);
        return from_bf16(b16);
    default:
        return NAN;
    }
}

void srm_dtype_encode(srm_dtype dtype, double x, unsigned char *dst)
{
    uint16_t b16;
    float f;
    switch (dtype) {
    case SRM_DTYPE_F32:
        f = (float)x;
        memcpy(dst, &f, 4);
        return;
    case SRM_DTYPE_F16:
        b16 = to_f16(x);
        memcpy(dst, &b16, 2);
        return;
    case SRM_DTYPE_BF16:
        b16 = to_bf16(x);
        memcpy(dst, &b16, 2);
        return;
    default:
        memcpy(dst, &x, 8);
        return;
    }
}

size_t srm_dtype_size(srm_dtype dtype)
{
    static const size_t sizes[] = {8, 4, 2, 2, 0};
    return sizes[dtype];
}

double srm_dtype_round(srm_dtype dtype, double x)
{
    unsigned char b[8];
    srm_dtype_encode(dtype, x, b);
    return srm_dtype_decode(dtype, b, 0);
}

double srm_dtype_toward_zero(srm_dtype dtype, double x)
{
    if (x == 0 || !isfinite(x)) return x;
    if (dtype == SRM_DTYPE_F64) return nextafter(x, 0.0);
    if (dtype == SRM_DTYPE_F32) return (double)nextafterf((float)x, 0.0f);
    unsigned char b[8];
    uint16_t bits;
    srm_dtype_encode(dtype, x, b);
    memcpy(&bits, b, 2);
    if ((bits & 0x7fffu) != 0) bits--; /* sign-magnitude: one step down in magnitude */
    memcpy(b, &bits, 2);
    return srm_dtype_decode(dtype, b, 0);
}
