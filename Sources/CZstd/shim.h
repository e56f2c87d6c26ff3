#ifndef FWDLAB_CZSTD_SHIM_H
#define FWDLAB_CZSTD_SHIM_H
#include <zstd.h>
#endif
