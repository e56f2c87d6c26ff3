#ifndef FWDLAB_CCARES_SHIM_H
#define FWDLAB_CCARES_SHIM_H
#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>
#endif
