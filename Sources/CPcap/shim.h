#ifndef FWDLAB_CPCAP_SHIM_H
#define FWDLAB_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
