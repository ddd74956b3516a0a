/* task/net_ops.c: the benchmark network's arithmetic in both precisions: task/net_real.h
 * instantiated for double (the reference, every committed result) and for float (float32
 * training). net.c dispatches to them. */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <string.h>

#include "core/cell.h"
#include "core/error.h"
#include "task/net.h"
#include "task/net_internal.h"

#define REAL double
#define SFX(name) name
#define IMPL(name) name##_f64
#define MODEL srm_model
#define NET_W(net) ((net)->m64)
#define NET_G(net) ((net)->g64)
#define CELL(name) name
#define EXP exp
#define GEMM cblas_dgemm
#define GEMV cblas_dgemv
#define KERNEL
#include "task/net_real.h"
#undef REAL
#undef SFX
#undef IMPL
#undef MODEL
#undef NET_W
#undef NET_G
#undef CELL
#undef EXP
#undef GEMM
#undef GEMV
#undef KERNEL

#define REAL float
#define SFX(name) name##_f32
#define IMPL(name) name##_f32
#define MODEL srm_model_f32
#define NET_W(net) ((net)->m32)
#define NET_G(net) ((net)->g32)
#define CELL(name) name##_f32
#define EXP srm_expf
#define GEMM cblas_sgemm
#define GEMV cblas_sgemv
#define KERNEL SRM_CELL_F32_CLONES
#include "task/net_real.h"
