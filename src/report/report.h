/* report/report.h -- placeholder. */
#ifndef LMC_REPORT_H
#define LMC_REPORT_H
#include "sweep.h"
#endif
