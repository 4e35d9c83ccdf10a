/* report/report.c -- placeholder until the report code lands. */
#include "report.h"
