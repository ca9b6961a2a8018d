#include "workbench.h"
#include <stdio.h>
int workbench_run(const workbench_options *opt) { (void)opt; fprintf(stderr, "tmp\n"); return 1; }
